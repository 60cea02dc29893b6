#!/usr/bin/env python3
"""Assertions of the Kafka end-to-end suite (tests/kafka/run.sh).

  check.py topic --tail META.jsonl --eve EVE [--eve EVE2 ...]
      The topic (spotter-tail --meta --from-beginning output) holds exactly
      the EVE files' records: the same multiset of values, byte for byte
      (the value is the EVE line without its newline); each record keyed by
      its indicator (the rule's STIX id, else "gid:sid"); headers exactly
      sensor, org, schema (eve/1) and tlp, equal to the record's own
      sighting fields; one key stays in one partition; every value has an
      integer "seq", unique and contiguous per sensor, increasing with the
      offset within each partition.
  check.py eve EVE [--like REF]
      Every line of EVE carries an integer "seq", one more than the previous
      line's of the same sensor; with --like, EVE without its "seq" fields
      is the same multiset of records as REF (the same capture replayed
      without Kafka).
  check.py after EVE_BEFORE EVE_AFTER
      Every seq of EVE_AFTER is greater than every seq of EVE_BEFORE (seq
      never repeats across restarts of the sensor).
  check.py heartbeats --tail META.jsonl --sensor S --min N --max-seq Q
      At least N heartbeats of sensor S, keyed by S, with "last_seq"
      non-decreasing and at most Q (the seq of the sensor's last record).
  check.py meta-equal IN.jsonl OUT.jsonl
      The records of OUT (spotter-tail --meta) are those of IN (what
      spotter-tail --produce --meta was given): the same multiset of key,
      headers and value.
  check.py stats STATS.json EXPR
      EXPR (Python) holds, with k = the "kafka" object of the stats and
      s = the whole; prints the values it used when it does not.
  check.py count FILE
      Prints the number of records of FILE that go to Kafka (all but the
      TLP:RED ones, which stay local).

Exit 0 when the assertion holds; else 1 with one line per violation (at
most 20 of each kind) on standard error.
"""

import argparse
import collections
import json
import sys

LIMIT = 20


class Failures:
    def __init__(self, what):
        self.what = what
        self.n = collections.Counter()

    def __call__(self, kind, text):
        self.n[kind] += 1
        if self.n[kind] <= LIMIT:
            print("%s: %s" % (self.what, text), file=sys.stderr)
        elif self.n[kind] == LIMIT + 1:
            print("%s: ... more %s" % (self.what, kind), file=sys.stderr)

    def done(self):
        for kind, n in sorted(self.n.items()):
            if n > LIMIT:
                print("%s: %d %s in all" % (self.what, n, kind), file=sys.stderr)
        return 1 if self.n else 0


def eve_lines(path):
    with open(path, "rb") as f:
        return [l.rstrip(b"\n") for l in f if l.strip()]


def raw_value(line):
    """The value's bytes in a spotter-tail --meta line: the value is the
    last member, written raw when it is an object, and everything before it
    is spotter-tail's own escaped output, so the first '},"value":' (the end
    of the headers object) marks it."""
    i = line.index(b'},"value":')
    v = line[i + len(b'},"value":'):].rstrip(b"\n")
    assert v.endswith(b"}"), "meta line does not end with }"
    return v[:-1]


def expected_key(rec):
    meta = rec.get("alert", {}).get("metadata", {})
    stix = meta.get("stix_id")
    if stix:
        return stix[0]
    return "%d:%d" % (rec["alert"]["gid"], rec["alert"]["signature_id"])


def seq_runs(fail, seqs_by_sensor):
    """unique and contiguous per sensor"""
    for sensor, seqs in sorted(seqs_by_sensor.items()):
        dup = [s for s, n in collections.Counter(seqs).items() if n > 1]
        if dup:
            fail("duplicate seq", "sensor %r: seq %s more than once" % (sensor, sorted(dup)[:10]))
        u = sorted(set(seqs))
        missing = [s for s in range(u[0], u[-1] + 1) if s not in set(u)] if u else []
        if missing:
            fail("gap", "sensor %r: seq %d..%d misses %d: %s" % (
                sensor, u[0], u[-1], len(missing), missing[:10]))


# The sensor's default kafka.max-tlp is amber+strict: a TLP:RED sighting is
# written to the local EVE file only, without a sequence number, and never
# reaches Kafka. The checks below hold every other record to "numbered and in
# the topic" and a RED one to "unnumbered and absent".
WITHHELD_TLP = ("red",)


def withheld(rec):
    return rec.get("sighting", {}).get("tlp") in WITHHELD_TLP


def cmd_topic(a):
    fail = Failures("topic")
    expected = []
    for e in a.eve:
        expected += [l for l in eve_lines(e) if not withheld(json.loads(l))]
    with open(a.tail, "rb") as f:
        metas = [l for l in f if l.strip()]
    got = []
    seqs = collections.defaultdict(list)
    part_of_key = {}
    last_in_part = {}
    for line in metas:
        m = json.loads(line)
        try:
            v = raw_value(line)
        except (ValueError, AssertionError) as e:
            fail("unreadable", "partition %s offset %s: %s" % (m.get("partition"), m.get("offset"), e))
            continue
        got.append(v)
        where = "partition %d offset %d" % (m["partition"], m["offset"])
        try:
            rec = json.loads(v)
        except ValueError:
            fail("not json", "%s: value is not JSON: %r" % (where, v[:80]))
            continue
        if not isinstance(rec, dict):
            fail("not json", "%s: value is not an object" % where)
            continue
        sig = rec.get("sighting", {})
        seq = rec.get("seq")
        if withheld(rec):
            fail("tlp", "%s: a TLP:%s sighting reached the topic" % (where, sig.get("tlp")))
        if not isinstance(seq, int) or isinstance(seq, bool):
            fail("no seq", "%s: no integer \"seq\" in %r" % (where, v[:120]))
        else:
            seqs[sig.get("sensor")].append(seq)
            prev = last_in_part.get(m["partition"])
            if prev is not None and seq <= prev:
                fail("order", "%s: seq %d after seq %d in the same partition" % (where, seq, prev))
            last_in_part[m["partition"]] = seq
        try:
            key = expected_key(rec)
        except (KeyError, TypeError) as e:
            fail("key", "%s: record without alert gid/signature_id (%s)" % (where, e))
            key = None
        if key is not None and m["key"] != key:
            fail("key", "%s: key %r, expected %r" % (where, m["key"], key))
        if m["key"] is not None:
            p = part_of_key.setdefault(m["key"], m["partition"])
            if p != m["partition"]:
                fail("partitioning", "%s: key %r also in partition %d" % (where, m["key"], p))
        want = {"sensor": sig.get("sensor"), "org": sig.get("org"), "schema": "eve/1",
                "tlp": sig.get("tlp")}
        if m["headers"] != want:
            fail("headers", "%s: headers %r, expected %r" % (where, m["headers"], want))
    ce, cg = collections.Counter(expected), collections.Counter(got)
    missing, extra = ce - cg, cg - ce
    for v, n in missing.items():
        fail("missing", "%d× not in the topic: %s" % (n, v[:160].decode(errors="replace")))
    for v, n in extra.items():
        fail("extra", "%d× in the topic, not in the EVE file(s): %s" % (n, v[:160].decode(errors="replace")))
    seq_runs(fail, seqs)
    rc = fail.done()
    print("topic: %d records in the topic, %d in the EVE file(s), %d partitions, %d keys%s" % (
        len(got), len(expected), len(last_in_part), len(part_of_key), "" if rc else ": as expected"),
        file=sys.stderr)
    return rc


def strip_seq(line):
    rec = json.loads(line)
    rec.pop("seq", None)
    return json.dumps(rec, sort_keys=True)


def cmd_eve(a):
    fail = Failures("eve")
    lines = eve_lines(a.eve)
    seqs = collections.defaultdict(list)
    for i, l in enumerate(lines, 1):
        rec = json.loads(l)
        seq = rec.get("seq")
        if withheld(rec):
            if seq is not None:
                fail("tlp", "%s:%d: a withheld TLP:RED record has a seq" % (a.eve, i))
            continue
        if not isinstance(seq, int) or isinstance(seq, bool):
            fail("no seq", "%s:%d: no integer \"seq\"" % (a.eve, i))
            continue
        sensor = rec.get("sighting", {}).get("sensor")
        if seqs[sensor] and seq != seqs[sensor][-1] + 1:
            fail("order", "%s:%d: seq %d after %d" % (a.eve, i, seq, seqs[sensor][-1]))
        seqs[sensor].append(seq)
    seq_runs(fail, seqs)
    if a.like:
        ce = collections.Counter(strip_seq(l) for l in lines)
        cr = collections.Counter(strip_seq(l) for l in eve_lines(a.like))
        for v, n in (cr - ce).items():
            fail("missing", "%d× in %s, not in %s: %s" % (n, a.like, a.eve, v[:160]))
        for v, n in (ce - cr).items():
            fail("extra", "%d× in %s, not in %s: %s" % (n, a.eve, a.like, v[:160]))
    return fail.done()


def seqs_of(path):
    return [json.loads(l)["seq"] for l in eve_lines(path)]


def cmd_after(a):
    before, after = seqs_of(a.before), seqs_of(a.after)
    if before and after and min(after) <= max(before):
        print("after: seq %d of %s is not after seq %d of %s" % (
            min(after), a.after, max(before), a.before), file=sys.stderr)
        return 1
    return 0


def cmd_heartbeats(a):
    fail = Failures("heartbeats")
    n = 0
    last = None
    with open(a.tail, "rb") as f:
        for line in f:
            m = json.loads(line)
            v = m["value"]
            if not isinstance(v, dict) or v.get("sensor") != a.sensor:
                continue
            where = "partition %d offset %d" % (m["partition"], m["offset"])
            if v.get("event_type") != "heartbeat":
                fail("type", "%s: event_type %r" % (where, v.get("event_type")))
            if m["key"] != a.sensor:
                fail("key", "%s: key %r, expected %r" % (where, m["key"], a.sensor))
            ls = v.get("last_seq")
            if not isinstance(ls, int):
                fail("last_seq", "%s: no integer last_seq" % where)
                continue
            if last is not None and ls < last:
                fail("last_seq", "%s: last_seq %d after %d" % (where, ls, last))
            if ls > a.max_seq:
                fail("last_seq", "%s: last_seq %d beyond the last record's seq %d" % (where, ls, a.max_seq))
            last = ls
            n += 1
    if n < a.min:
        fail("count", "%d heartbeats of sensor %r, expected at least %d" % (n, a.sensor, a.min))
    return fail.done()


def record_set(path, produced):
    out = collections.Counter()
    with open(path) as f:
        for line in f:
            if line.strip():
                m = json.loads(line)
                hdrs = m.get("headers", {}) if produced else m["headers"]
                out[json.dumps([m.get("key"), hdrs, m.get("value")], sort_keys=True)] += 1
    return out


def cmd_meta_equal(a):
    fail = Failures("meta-equal")
    want, got = record_set(a.input, True), record_set(a.output, False)
    for v, n in (want - got).items():
        fail("missing", "%d× produced, not read: %s" % (n, v[:160]))
    for v, n in (got - want).items():
        fail("extra", "%d× read, not produced: %s" % (n, v[:160]))
    return fail.done()


def cmd_stats(a):
    with open(a.stats) as f:
        s = json.load(f)
    k = s.get("kafka")
    if not isinstance(k, dict):
        print("stats: %s has no \"kafka\" object" % a.stats, file=sys.stderr)
        return 1
    try:
        ok = eval(a.expr, {"__builtins__": {"len": len, "int": int}}, {"k": k, "s": s})
    except Exception as e:  # a missing counter is a failure, said clearly
        print("stats: %s: %s: %s" % (a.expr, type(e).__name__, e), file=sys.stderr)
        return 1
    if not ok:
        print("stats: %s does not hold; kafka = %s" % (a.expr, json.dumps(k, sort_keys=True)),
              file=sys.stderr)
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("topic")
    t.add_argument("--tail", required=True)
    t.add_argument("--eve", action="append", required=True)
    e = sub.add_parser("eve")
    e.add_argument("eve")
    e.add_argument("--like")
    af = sub.add_parser("after")
    af.add_argument("before")
    af.add_argument("after")
    h = sub.add_parser("heartbeats")
    h.add_argument("--tail", required=True)
    h.add_argument("--sensor", required=True)
    h.add_argument("--min", type=int, default=1)
    h.add_argument("--max-seq", type=int, required=True)
    s = sub.add_parser("stats")
    s.add_argument("stats")
    s.add_argument("expr")
    me = sub.add_parser("meta-equal")
    me.add_argument("input")
    me.add_argument("output")
    c = sub.add_parser("count")
    c.add_argument("file")
    a = p.parse_args()
    if a.cmd == "count":
        print(sum(1 for l in eve_lines(a.file) if not withheld(json.loads(l))))
        return 0
    return {"topic": cmd_topic, "eve": cmd_eve, "after": cmd_after, "heartbeats": cmd_heartbeats,
            "stats": cmd_stats, "meta-equal": cmd_meta_equal}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
