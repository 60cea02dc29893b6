#!/usr/bin/env python3
"""Replays the suricata-verify cases of the shared corpus through spotter.

For each case directory (suricata-verify/* and ics/suricata-verify-ics/*)
the capture beside test.yaml is read with the case's test.rules, and the
alert-count checks of EXPECTED.tsv (the corpus's tabulation of test.yaml)
are asserted the way the issue states them: a rule Suricata fires
(count > 0) must fire, a rule Suricata leaves silent (count 0) must stay
silent. Counts above one are not compared: spotter raises one alert per
rule per flow and counts repeats, Suricata alerts per packet or
transaction. Where a check adds conditions on fields spotter writes
(pcap_cnt, src/dest address and port, proto), at least one alert must meet
them. A check on a rule spotter rejects (a keyword outside the contract) is
skipped, and so is a whole-case ("sid ANY") check when any rule of the case
was rejected; every skip is listed with its reason.

Environment: BUILD (default build), CORPUS (default ../shared/corpus).
Exit status: 0 all run checks passed (or the corpus is absent), 1 otherwise.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

BUILD = os.environ.get("BUILD", "build")
CORPUS = os.environ.get("CORPUS", "../shared/corpus")
SPOTTER = os.path.join(BUILD, "spotter")
OUR_FIELDS = {"pcap_cnt", "src_ip", "dest_ip", "src_port", "dest_port", "proto"}

# Cases whose expectations rest on behaviour outside the contract. Each is
# skipped as a whole, with the reason printed.
SKIP_CASES = {
    "suricata-verify/http2-keywords":
        "the capture is HTTP/2 (prior knowledge); spotter parses HTTP/1.x",
    "suricata-verify/bug-5162":
        "the rules anchor content to each SMB message with depth:8; Suricata "
        "counts offset/depth from each inspected stream chunk, the contract "
        "from the start of the TCP stream",
    "suricata-verify/bug-3286-02-linux-evasion":
        "needs TCP timestamp (PAWS) validation to ignore the injected RST",
}


def rule_sids(rules_path):
    """Maps each line number of a rule file to the sid of the rule on it."""
    sids = {}
    with open(rules_path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = re.search(r"\bsid\s*:\s*(\d+)", line)
            if m and not line.lstrip().startswith("#"):
                sids[n] = int(m.group(1))
    return sids


def load_expected(path):
    cases = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            cols += [""] * (6 - len(cols))
            case, pcap, sid, count, extra, _requires = cols[:6]
            cases.setdefault(case, {"pcap": pcap, "checks": []})
            cases[case]["checks"].append(
                (sid, int(count), json.loads(extra) if extra else {}))
    return cases


def run_case(case_dir, pcap):
    rules = os.path.join(case_dir, "test.rules")
    with tempfile.TemporaryDirectory() as tmp:
        eve = os.path.join(tmp, "eve.json")
        proc = subprocess.run(
            [SPOTTER, "-q", "-r", os.path.join(case_dir, pcap), "-R", rules,
             "-e", eve, "-w", "2"],
            capture_output=True, text=True, timeout=120)
        alerts = []
        if os.path.exists(eve):
            with open(eve, encoding="utf-8") as f:
                for line in f:
                    rec = json.loads(line)
                    if rec.get("event_type") == "alert":
                        alerts.append(rec)
    rejected = {}
    sids = rule_sids(rules)
    prefix = rules + ":"
    for line in proc.stderr.splitlines():
        if line.startswith(prefix):
            m = re.match(re.escape(prefix) + r"(\d+): (.*)", line)
            if m:
                sid = sids.get(int(m.group(1)), 0)
                rejected[sid] = m.group(2)
    return proc, alerts, rejected


def check_one(sid, count, extra, alerts, rejected):
    """Returns (status, detail): status is pass, fail or skip."""
    if sid == "ANY":
        if rejected:
            return "skip", "rules rejected: " + "; ".join(
                "sid %d: %s" % (s, r) for s, r in sorted(rejected.items()))
        pool = alerts
    else:
        s = int(sid)
        if s in rejected:
            return "skip", "sid %d rejected: %s" % (s, rejected[s])
        pool = [a for a in alerts if a["alert"]["signature_id"] == s]
    ours = {k: v for k, v in extra.items() if k in OUR_FIELDS}
    theirs = sorted(k for k in extra if k not in OUR_FIELDS)
    note = (" (conditions on %s not compared)" % ", ".join(theirs)) if theirs else ""
    if count == 0:
        if pool:
            return "fail", "sid %s: expected silence, got %d alert(s)" % (sid, len(pool))
        return "pass", "silent as expected" + note
    if not pool:
        return "fail", "sid %s: expected to fire, no alert" % sid
    if ours and not any(all(a.get(k) == v for k, v in ours.items()) for a in pool):
        return "fail", "sid %s fired but no alert has %s (got %s)" % (
            sid, ours, [{k: a.get(k) for k in ours} for a in pool])
    return "pass", "fired (%d alert(s); Suricata: %d)%s" % (len(pool), count, note)


def main():
    expected = os.path.join(CORPUS, "suricata-verify", "EXPECTED.tsv")
    if not os.path.exists(expected):
        print("verify: SKIP: corpus not found at %s (set CORPUS)" % CORPUS)
        return 0
    cases = load_expected(expected)
    totals = {"pass": 0, "fail": 0, "skip": 0}
    failed_cases = []
    for case in sorted(cases):
        case_dir = os.path.join(CORPUS, case)
        info = cases[case]
        if case in SKIP_CASES:
            print("%-55s SKIP (%s)" % (case, SKIP_CASES[case]))
            totals["skip"] += len(info["checks"])
            continue
        pcap = info["pcap"]
        if not os.path.exists(os.path.join(case_dir, pcap)):
            print("%-55s SKIP (capture %s missing)" % (case, pcap))
            totals["skip"] += len(info["checks"])
            continue
        proc, alerts, rejected = run_case(case_dir, pcap)
        if proc.returncode == 2 and not alerts and len(rejected) >= 1 and \
                "no rule could be loaded" in proc.stderr:
            print("%-55s SKIP (no rule within the contract: %s)" % (
                case, "; ".join(sorted(set(rejected.values())))))
            totals["skip"] += len(info["checks"])
            continue
        if proc.returncode not in (0,):
            print("%-55s FAIL (spotter exited %d)\n%s" % (
                case, proc.returncode, proc.stderr.strip()))
            totals["fail"] += 1
            failed_cases.append(case)
            continue
        lines = []
        case_failed = False
        for sid, count, extra in info["checks"]:
            status, detail = check_one(sid, count, extra, alerts, rejected)
            totals[status] += 1
            case_failed |= status == "fail"
            lines.append("    %-4s sid %-8s %s" % (status, sid, detail))
        print("%-55s %s" % (case, "FAIL" if case_failed else "ok"))
        print("\n".join(lines))
        if case_failed:
            failed_cases.append(case)
    print("verify: %d checks passed, %d failed, %d skipped" % (
        totals["pass"], totals["fail"], totals["skip"]))
    if failed_cases:
        print("verify: FAILED: " + " ".join(failed_cases))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
