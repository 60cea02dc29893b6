#!/usr/bin/python3
"""craft — build deterministic captures from scenario files, and inspect them.

  craft.py build-all CASES_DIR OUT_DIR   run CASES_DIR/*/scenario.py, each into OUT_DIR/<case>/
  craft.py build SCENARIO.py OUT_DIR      run one scenario
  craft.py sample OUT.pcap                the sample capture for `make run`
  craft.py show [--streams] [-n N] FILE   list a capture's packets (and TCP streams)

A scenario file defines build(out) where out is a pathlib.Path of an existing
directory; it writes one or more captures there with craftlib (see README).
"""

import importlib.util
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def load_scenario(path):
    path = pathlib.Path(path)
    name = "scenario_" + path.parent.name.replace("-", "_")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def build_one(scenario, out):
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("*.pcap")) + list(out.glob("*.pcapng")):
        old.unlink()
    load_scenario(scenario).build(out)


def cmd_build_all(cases, outdir, only=()):
    cases, outdir = pathlib.Path(cases), pathlib.Path(outdir)
    failed = 0
    t0 = time.monotonic()
    n = 0
    for sc in sorted(cases.glob("*/scenario.py")):
        case = sc.parent.name
        if only and case not in only:
            continue
        try:
            build_one(sc, outdir / case)
            n += 1
        except Exception as e:  # report every broken scenario, not just the first
            failed += 1
            print("craft: %s: %s: %s" % (sc, type(e).__name__, e), file=sys.stderr)
    print("craft: built %d scenario(s) in %.2fs%s" % (
        n, time.monotonic() - t0, ", %d failed" % failed if failed else ""), file=sys.stderr)
    return 1 if failed else 0


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    cmd = argv[1]
    if cmd == "build-all" and len(argv) >= 4:
        return cmd_build_all(argv[2], argv[3], set(argv[4:]))
    if cmd == "build" and len(argv) == 4:
        build_one(argv[2], argv[3])
        return 0
    if cmd == "sample" and len(argv) == 3:
        mod = load_scenario(HERE / "scenarios" / "utility_span.py")
        mod.write(argv[2])
        return 0
    if cmd == "show":
        from craftlib import show
        args = argv[2:]
        streams = "--streams" in args
        args = [a for a in args if a != "--streams"]
        n = 64
        if "-n" in args:
            i = args.index("-n")
            n = int(args[i + 1])
            del args[i:i + 2]
        try:
            for f in args:
                show.show(f, sys.stdout, payload_bytes=n, streams=streams)
        except BrokenPipeError:  # `craft.py show x | head`
            sys.stderr.close()
        return 0
    print("craft: bad usage; see craft.py --help", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
