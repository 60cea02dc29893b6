#!/usr/bin/python3
"""Capture-replay suite: run build/spotter over crafted and third-party
captures and compare its EVE sightings with exact expectations.

Usage: run.py [-v] [--generate-only] [--list] [CASE ...]
Outputs (captures, EVE, stats) stay under $BUILD/replay/<case>/.
Environment: BUILD (default build), CORPUS (default ../shared/corpus),
SPOTTER (default $BUILD/spotter), JOBS (parallel sensor runs, default CPUs).

Each case is a directory tests/replay/<case>/ (see README.md):
  README        one line: what the case proves
  rules         the rule file (or a symlink to a file or directory)
  scenario.py   generates the capture(s) into $BUILD/replay/<case>/
  *.pcap        committed capture(s) (instead of, or besides, a scenario)
  needs-corpus  capture path(s) relative to $CORPUS; skipped without it
  args          extra sensor arguments (shell words, # comments)
  cmd           the whole argument list instead of the default one
  expected.tsv  the exact multiset of sightings:
                sid proto src_ip src_port dest_ip dest_port (TAB-separated,
                ports "-" for ICMP); empty = nothing may fire; absent = not
                checked (for runs that must fail)
  expect        "exit N" (default 0) and "stderr REGEX" lines

Every capture of a case is run with --workers 1 and --workers 2; both must
give the expected sightings and the same alerts (time, flow id, rule,
tuple).
"""

import collections
import concurrent.futures
import datetime
import ipaddress
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tools" / "craft"))

import rulefile  # noqa: E402

WORKERS = (1, 2)
RUN_TIMEOUT = 120
TS_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{6})([+-])(\d{2})(\d{2})$")
PROTOS = ("TCP", "UDP", "ICMP", "IPv6-ICMP")
CAPTURE_EXT = (".pcap", ".pcapng")


# ---- small helpers ------------------------------------------------------------
def norm_ip(s):
    try:
        return ipaddress.ip_address(s).compressed
    except ValueError:
        return s


def read_lines(path):
    out = []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


def read_args(path, depth=0):
    """Shell words of an args file; a word @FILE (relative to the repository)
    is replaced by the words of that file."""
    out = []
    for w in shlex.split(path.read_text(), comments=True):
        if w.startswith("@") and depth < 4:
            out += read_args(ROOT / w[1:], depth + 1)
        else:
            out.append(w)
    return out


def parse_expected(path):
    tuples = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 6:
            raise ValueError("%s:%d: want 6 TAB-separated fields, got %d" % (path, n, len(f)))
        sid, proto, sip, sport, dip, dport = f
        tuples.append((int(sid), proto, norm_ip(sip), sport, norm_ip(dip), dport))
    return tuples


def fmt_tuple(t):
    return "\t".join(str(x) for x in t)


def ts_to_us(ts):
    m = TS_RE.match(ts)
    y, mo, d, h, mi, s, us, sign, oh, om = m.groups()
    dt = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                           tzinfo=datetime.timezone.utc)
    off = (int(oh) * 60 + int(om)) * 60 * (1 if sign == "+" else -1)
    return (int(dt.timestamp()) - off) * 1_000_000 + int(us)


def capture_times_us(path):
    """Packet times (µs) of a capture, or None if it cannot be read."""
    try:
        from craftlib import pcapio
        _, recs, _ = pcapio.read_capture(str(path))
    except Exception:
        return None
    return {ts // 1000 for ts, _, _ in recs}


# ---- EVE validation -----------------------------------------------------------
def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def validate_alert(rec, rules, times):
    """Returns a list of problems with one EVE alert record."""
    p = []

    def need(obj, key, typ, where=""):
        if key not in obj:
            p.append("missing %s%s" % (where, key))
            return None
        v = obj[key]
        ok = is_int(v) if typ is int else isinstance(v, typ)
        if not ok:
            p.append("%s%s is %s, want %s" % (where, key, type(v).__name__, typ.__name__))
            return None
        return v

    ts = need(rec, "timestamp", str)
    if ts is not None:
        if not TS_RE.match(ts):
            p.append("timestamp %r is not YYYY-MM-DDTHH:MM:SS.uuuuuu+hhmm" % ts)
        elif times is not None and ts_to_us(ts) not in times:
            p.append("timestamp %s is not the time of any packet in the capture" % ts)
    fid = need(rec, "flow_id", int)
    if fid is not None and fid < 0:
        p.append("flow_id is negative")
    for k in ("src_ip", "dest_ip"):
        v = need(rec, k, str)
        if v is not None:
            try:
                ipaddress.ip_address(v)
            except ValueError:
                p.append("%s %r is not an IP address" % (k, v))
    proto = need(rec, "proto", str)
    if proto is not None and proto not in PROTOS:
        p.append("proto %r not one of %s" % (proto, ", ".join(PROTOS)))
    if proto in ("TCP", "UDP"):
        for k in ("src_port", "dest_port"):
            v = need(rec, k, int)
            if v is not None and not 0 <= v <= 65535:
                p.append("%s %d out of range" % (k, v))
    elif proto in ("ICMP", "IPv6-ICMP"):
        for k in ("src_port", "dest_port"):
            if k in rec:
                p.append("ICMP record carries %s" % k)
    if "app_proto" in rec and not isinstance(rec["app_proto"], str):
        p.append("app_proto is not a string")
    a = need(rec, "alert", dict)
    if a is not None:
        if need(a, "action", str, "alert.") not in (None, "allowed"):
            p.append("alert.action is %r, want \"allowed\"" % a["action"])
        gid = need(a, "gid", int, "alert.")
        sid = need(a, "signature_id", int, "alert.")
        rev = need(a, "rev", int, "alert.")
        sig = need(a, "signature", str, "alert.")
        cat = need(a, "category", str, "alert.")
        sev = need(a, "severity", int, "alert.")
        md = need(a, "metadata", dict, "alert.")
        r = rules.get((gid, sid)) if gid is not None and sid is not None else None
        if gid is not None and sid is not None and r is None:
            p.append("alert for %d:%d, which is not a rule of this case" % (gid, sid))
        if r is not None:
            if sig is not None and sig != r.msg:
                p.append("alert.signature %r != msg %r" % (sig, r.msg))
            if rev is not None and rev != r.rev:
                p.append("alert.rev %d != rule rev %d" % (rev, r.rev))
            if cat is not None and r.classtype and cat != r.category():
                p.append("alert.category %r != %r (classtype %s)" % (cat, r.category(), r.classtype))
            if sev is not None and sev != r.severity():
                p.append("alert.severity %d != %d" % (sev, r.severity()))
            if md is not None:
                for k, v in r.metadata:
                    got = md.get(k)
                    vals = got if isinstance(got, list) else [got]
                    if v not in vals:
                        p.append("alert.metadata[%r] is %r, want a list holding %r" % (k, got, v))
    s = need(rec, "sighting", dict)
    if s is not None:
        need(s, "sensor", str, "sighting.")
        need(s, "org", str, "sighting.")
        tlp = need(s, "tlp", str, "sighting.")
        if tlp is not None and tlp not in rulefile.TLPS:
            p.append("sighting.tlp %r not one of %s" % (tlp, ", ".join(rulefile.TLPS)))
        if a is not None and tlp is not None:
            r = rules.get((a.get("gid"), a.get("signature_id")))
            if r is not None and r.tlp and tlp != r.tlp:
                p.append("sighting.tlp %r != rule's tlp %r" % (tlp, r.tlp))
    return p


def read_eve(path, rules, times):
    """Returns (alerts, problems); alerts are dicts with a 'tuple' key."""
    alerts, problems = [], []
    if not path.exists():
        return alerts, ["EVE file %s was not written" % path]
    for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            problems.append("EVE line %d is not JSON: %s" % (n, e))
            continue
        if not isinstance(rec, dict):
            problems.append("EVE line %d is not an object" % n)
            continue
        if rec.get("event_type") != "alert":
            continue
        for msg in validate_alert(rec, rules, times):
            problems.append("EVE line %d: %s" % (n, msg))
        a = rec.get("alert") if isinstance(rec.get("alert"), dict) else {}
        proto = rec.get("proto")
        icmp = proto in ("ICMP", "IPv6-ICMP")
        t = (a.get("signature_id"), proto, norm_ip(str(rec.get("src_ip"))),
             "-" if icmp else str(rec.get("src_port")), norm_ip(str(rec.get("dest_ip"))),
             "-" if icmp else str(rec.get("dest_port")))
        alerts.append({"tuple": t, "flow_id": rec.get("flow_id"), "gid": a.get("gid"),
                       "ts": rec.get("timestamp"), "sig": a.get("signature")})
    return alerts, problems


# ---- cases ---------------------------------------------------------------------
class Case:
    def __init__(self, path, out_root, corpus):
        self.path = path
        self.name = path.name
        self.out = out_root / self.name
        self.corpus = corpus
        self.readme = (path / "README").read_text().strip() if (path / "README").exists() else ""
        self.expect_exit = 0
        self.stderr_res = []
        if (path / "expect").exists():
            for line in read_lines(path / "expect"):
                key, _, val = line.partition(" ")
                if key == "exit":
                    self.expect_exit = int(val)
                elif key == "stderr":
                    self.stderr_res.append(val.strip())
                else:
                    raise ValueError("%s/expect: unknown directive %r" % (path, key))

    def corpus_paths(self):
        f = self.path / "needs-corpus"
        return [pathlib.Path(p) for p in read_lines(f)] if f.exists() else []

    def skip_reason(self):
        cp = self.corpus_paths()
        if cp:
            if not self.corpus or not self.corpus.is_dir():
                return "CORPUS not available"
            missing = [str(p) for p in cp if not (self.corpus / p).exists()]
            if missing:
                return "not in CORPUS: " + ", ".join(missing)
        return None

    def captures(self):
        caps = sorted(p for p in self.path.iterdir() if p.name.endswith(CAPTURE_EXT))
        if self.out.is_dir():
            caps += sorted(p for p in self.out.iterdir() if p.name.endswith(CAPTURE_EXT))
        caps += [self.corpus / p for p in self.corpus_paths()]
        return caps

    def rules_path(self):
        return self.path / "rules"

    def argv(self, spotter, cap, eve, stats, workers):
        subst = {"input": str(cap), "rules": str(self.rules_path()), "eve": str(eve),
                 "stats": str(stats), "out": str(self.out), "case": str(self.path)}
        if (self.path / "cmd").exists():
            words = shlex.split((self.path / "cmd").read_text(), comments=True)
            return [spotter] + [w.format(**subst) for w in words] + ["--workers", str(workers)], subst
        argv = [spotter, "--read", str(cap), "--rules", str(self.rules_path()), "--eve", str(eve),
                "--stats-json", str(stats), "--workers", str(workers)]
        if (self.path / "args").exists():
            argv += [w.format(**subst) for w in read_args(self.path / "args")]
        return argv, subst

    def stderr_patterns(self, subst):
        esc = {k: re.escape(v) for k, v in subst.items()}
        return [p.format(**esc) for p in self.stderr_res]


def run_one(case, spotter, cap, workers, verbose):
    # the whole file name: ether.pcap and ether.pcapng run in parallel
    tag = "%s-w%d" % (cap.name, workers)
    eve = case.out / (tag + ".eve.json")
    stats = case.out / (tag + ".stats.json")
    for f in (eve, stats):
        if f.exists():
            f.unlink()
    argv, subst = case.argv(spotter, cap, eve, stats, workers)
    t0 = time.monotonic()
    try:
        cp = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=RUN_TIMEOUT)
        rc, out, err = cp.returncode, cp.stdout.decode(errors="replace"), cp.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        rc, out = None, (e.stdout or b"").decode(errors="replace")
        err = (e.stderr or b"").decode(errors="replace") + "\n(killed after %d s)" % RUN_TIMEOUT
    except OSError as e:
        rc, out, err = None, "", "cannot run %s: %s" % (argv[0], e)
    return {"case": case, "cap": cap, "workers": workers, "argv": argv, "subst": subst, "rc": rc,
            "stdout": out, "stderr": err, "eve": eve, "stats": stats, "secs": time.monotonic() - t0}


def check_run(r, rules, expected, times):
    """Problems of one sensor run; also returns its alerts."""
    case, problems, alerts = r["case"], [], []
    if r["rc"] != case.expect_exit:
        problems.append("exit status %s, want %d" % (r["rc"], case.expect_exit))
    for pat in case.stderr_patterns(r["subst"]):
        if not re.search(pat, r["stderr"], re.I | re.M):
            problems.append("stderr does not match /%s/" % pat)
    if r["rc"] == 0 and "--stats-json" in r["argv"]:
        try:
            if not isinstance(json.loads(r["stats"].read_text()), dict):
                problems.append("--stats-json file is not a JSON object")
        except (OSError, ValueError) as e:
            problems.append("--stats-json file unreadable: %s" % e)
    if expected is None:
        return problems, alerts
    alerts, eve_problems = read_eve(r["eve"], rules, times)
    problems += eve_problems[:20]
    if len(eve_problems) > 20:
        problems.append("... %d more EVE problems" % (len(eve_problems) - 20))
    seen = collections.Counter()
    for a in alerts:
        k = (a["flow_id"], a["gid"], a["tuple"][0])
        seen[k] += 1
        if seen[k] == 2:
            problems.append("more than one alert for rule %s:%s in flow %s" % (k[1], k[2], k[0]))
    got = collections.Counter(a["tuple"] for a in alerts)
    want = collections.Counter(expected)
    if got != want:
        diff = []
        for t in sorted(set(got) | set(want), key=lambda x: tuple(str(y) for y in x)):
            if got[t] < want[t]:
                diff.append("  - %s%s" % (fmt_tuple(t), "  (x%d missing)" % (want[t] - got[t])
                                           if want[t] - got[t] > 1 else ""))
            elif got[t] > want[t]:
                sig = next((a["sig"] for a in alerts if a["tuple"] == t), "")
                diff.append("  + %s%s  # %s" % (fmt_tuple(t), "  (x%d extra)" % (got[t] - want[t])
                                                 if got[t] - want[t] > 1 else "", sig))
        problems.append("sightings differ from expected.tsv (- missing, + unexpected):\n" + "\n".join(diff))
    return problems, alerts


def alert_key(a):
    return (str(a["ts"]), str(a["flow_id"]), str(a["gid"]), str(a["tuple"]))


# ---- checks that need no sensor ------------------------------------------------
def check_sample_fresh(build_out):
    """The committed sample capture must be what its scenario produces."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "utility_span", ROOT / "tools" / "craft" / "scenarios" / "utility_span.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fresh = build_out / "sample-fresh" / "utility-span.pcap"
    fresh.parent.mkdir(parents=True, exist_ok=True)
    mod.write(str(fresh))
    committed = ROOT / "deploy" / "sample" / "utility-span.pcap"
    if fresh.read_bytes() != committed.read_bytes():
        return ["deploy/sample/utility-span.pcap differs from what tools/craft/scenarios/utility_span.py "
                "builds now (regenerate it: tools/craft/craft.py sample deploy/sample/utility-span.pcap)"]
    return []


def check_sets():
    import lint_sets
    return lint_sets.lint(ROOT / "rules" / "sets")


# ---- main -----------------------------------------------------------------------
def main(argv):
    verbose = "-v" in argv
    gen_only = "--generate-only" in argv
    list_only = "--list" in argv
    only = [a for a in argv if not a.startswith("-")]

    build = pathlib.Path(os.environ.get("BUILD") or "build")
    corpus_env = os.environ.get("CORPUS") or str(ROOT.parent / "shared" / "corpus")
    corpus = pathlib.Path(corpus_env)
    if not corpus.is_absolute():
        corpus = (ROOT / corpus).resolve()
    if not build.is_absolute():
        build = ROOT / build
    spotter = os.environ.get("SPOTTER") or str(build / "spotter")
    out_root = build / "replay"

    case_dirs = sorted(p for p in HERE.iterdir() if p.is_dir() and (p / "README").exists())
    unknown = [c for c in only if c not in {p.name for p in case_dirs} | {"sets-lint", "sample-fresh"}]
    if unknown:
        print("replay: no such case: %s" % " ".join(unknown), file=sys.stderr)
        return 2
    if only:
        case_dirs = [p for p in case_dirs if p.name in only]
    cases = [Case(p, out_root, corpus) for p in case_dirs]
    if list_only:
        for c in cases:
            print("%-24s %s" % (c.name, c.readme))
        return 0

    passed, failed, skipped = [], [], []

    def report(name, problems, note=""):
        if problems:
            failed.append(name)
            print("FAIL  %s%s" % (name, note))
            for p in problems:
                print("      " + p.replace("\n", "\n      "))
        else:
            passed.append(name)
            print("ok    %s%s" % (name, note))
        sys.stdout.flush()

    # 1. generate every crafted capture in one process
    import craft
    t0 = time.monotonic()
    gen_failed = set()
    for c in cases:
        sc = c.path / "scenario.py"
        if sc.exists():
            try:
                craft.build_one(sc, c.out)
            except Exception as e:
                gen_failed.add(c.name)
                report(c.name, ["scenario.py failed: %s: %s" % (type(e).__name__, e)])
        else:
            c.out.mkdir(parents=True, exist_ok=True)
    if verbose:
        print("replay: captures generated in %.2fs" % (time.monotonic() - t0))

    # 2. checks that need no sensor
    if not only or "sets-lint" in only:
        report("sets-lint", check_sets(), "  (bundled rule sets: keywords, sids, TLP, addresses)")
    if not only or "sample-fresh" in only:
        report("sample-fresh", check_sample_fresh(out_root), "  (committed sample matches its scenario)")
    if gen_only:
        print("replay: %d passed, %d failed" % (len(passed), len(failed)))
        return 1 if failed else 0

    if not os.access(spotter, os.X_OK):
        print("replay: %s is missing or not executable (build it with make)" % spotter, file=sys.stderr)
        print("replay: %d passed, %d failed, %d skipped" % (len(passed), len(failed) + 1, 0))
        return 1

    # 3. sensor runs, in parallel
    plan = []
    for c in cases:
        if c.name in gen_failed:
            continue
        why = c.skip_reason()
        if why:
            skipped.append(c.name)
            print("skip  %s  (%s)" % (c.name, why))
            continue
        caps = c.captures()
        if not caps:
            report(c.name, ["no capture: neither scenario.py output, a committed capture nor needs-corpus"])
            continue
        plan.append((c, caps))
    jobs = int(os.environ.get("JOBS") or os.cpu_count() or 2)
    futures = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        for c, caps in plan:
            for cap in caps:
                for w in WORKERS:
                    futures[(c.name, str(cap), w)] = ex.submit(run_one, c, spotter, cap, w, verbose)
        results = {k: f.result() for k, f in futures.items()}

    for c, caps in plan:
        problems = []
        errors = []
        rules = rulefile.load(str(c.rules_path()), errors) if c.rules_path().exists() else {}
        try:
            expected = parse_expected(c.path / "expected.tsv") if (c.path / "expected.tsv").exists() else None
        except ValueError as e:
            report(c.name, [str(e)])
            continue
        secs = 0.0
        for cap in caps:
            times = capture_times_us(cap)
            per_w = {}
            for w in WORKERS:
                r = results[(c.name, str(cap), w)]
                secs += r["secs"]
                probs, alerts = check_run(r, rules, expected, times)
                per_w[w] = sorted(alert_key(a) for a in alerts)
                if probs:
                    problems.append("%s, --workers %d:" % (cap.name, w))
                    problems += ["  " + p.replace("\n", "\n  ") for p in probs]
                    problems.append("  command: " + " ".join(shlex.quote(a) for a in r["argv"]))
                    tail = r["stderr"].strip().splitlines()[-8:]
                    if tail:
                        problems.append("  stderr: " + "\n          ".join(tail))
                elif verbose:
                    print("      %s -w%d: %d alert(s), %.2fs" % (cap.name, w, len(alerts), r["secs"]))
            if expected is not None and per_w[1] != per_w[2] and not problems:
                only1 = sorted(set(per_w[1]) - set(per_w[2]))
                only2 = sorted(set(per_w[2]) - set(per_w[1]))
                problems.append("%s: --workers 1 and 2 disagree (time, flow_id, gid, tuple):\n"
                                "  only with 1: %s\n  only with 2: %s" % (cap.name, only1, only2))
        note = "  (%d capture%s x %d runs, %.1fs)" % (len(caps), "" if len(caps) == 1 else "s",
                                                     len(WORKERS), secs)
        report(c.name, problems, note if verbose or problems else "")

    print("replay: %d passed, %d failed, %d skipped" % (len(passed), len(failed), len(skipped)))
    if failed:
        print("replay: failed: %s" % " ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
