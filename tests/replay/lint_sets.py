"""Lint of the bundled shared rule sets (rules/sets/*.rules).

Keeps the sets inside the contract's rule language and the programme's
own policy (see rules/sets/README.md): only supported keywords; msg, sid,
rev, classtype and a valid TLP on every rule; sids unique and inside the
file's documented range; literal addresses only from the documentation
ranges; indicator domains only under reserved names; no http.host content
that could never match (upper case without nocase); every pcre compiles
and every domain pcre accepts its own indicator.

Run alone: python3 tests/replay/lint_sets.py [DIR]
"""

import ipaddress
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import rulefile  # noqa: E402

KEYWORDS = {"msg", "sid", "rev", "gid", "classtype", "priority", "reference", "metadata",
            "content", "nocase", "offset", "depth", "distance", "within", "pcre", "flow",
            "pkt_data", "dns.query", "tls.sni", "http.host", "http.uri", "http.method",
            "http.user_agent"}
STICKY = {"pkt_data", "dns.query", "tls.sni", "http.host", "http.uri", "http.method",
          "http.user_agent"}
PROTOS = {"ip", "tcp", "udp", "icmp", "dns", "http", "tls"}
FLOW_WORDS = {"to_server", "to_client", "from_server", "from_client", "established", "stateless"}

# file -> (first sid, last sid); other files must stay in the programme range
RANGES = {
    "ot-modbus.rules": (9000100, 9000199),
    "ot-dnp3.rules": (9000200, 9000299),
    "indicators-ip.rules": (9001000, 9001999),
    "indicators-domains.rules": (9002000, 9002999),
    "indicators-http.rules": (9003000, 9003999),
}
PROGRAMME_RANGE = (9000000, 9099999)

DOC_NETS = [ipaddress.ip_network(n) for n in
            ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".example.com", ".example.org", ".example.net")


def decode_content(v):
    """content value -> bytes (|hex| and escapes resolved)."""
    v = rulefile.unquote(v)
    out, i = b"", 0
    while i < len(v):
        if v[i] == "|":
            j = v.index("|", i + 1)
            out += bytes.fromhex(v[i + 1:j].replace(" ", ""))
            i = j + 1
        else:
            out += v[i].encode()
            i += 1
    return out


def pcre_to_re(v):
    v = rulefile.unquote(v)
    m = re.match(r"^/(.*)/([ismx]*)$", v, re.S)
    if not m:
        raise ValueError("pcre %r is not /re/flags with flags from i s m x" % v)
    flags = 0
    for f in m.group(2):
        flags |= {"i": re.I, "s": re.S, "m": re.M, "x": re.X}[f]
    return re.compile(m.group(1), flags)


def addr_literals(field):
    for tok in re.split(r"[\[\],!]", field):
        tok = tok.strip()
        if tok and tok != "any" and not tok.startswith("$"):
            yield tok


def lint_rule(r, fname, problems):
    where = "%s:%d: sid %s" % (fname, r.line, r.sid)

    def bad(msg):
        problems.append("%s: %s" % (where, msg))

    if r.proto not in PROTOS:
        bad("protocol %r is not in the contract" % r.proto)
    for k, _ in r.options:
        if k not in KEYWORDS:
            bad("keyword %r is not in the contract's rule language" % k)
    if not r.msg:
        bad("no msg")
    if "rev" not in r.opt or r.rev < 1:
        bad("no rev")
    if r.classtype not in rulefile.CLASSTYPES:
        bad("classtype %r is not a Suricata classtype" % r.classtype)
    if r.tlp not in rulefile.TLPS:
        bad("metadata has no valid tlp (%r)" % r.tlp)
    lo, hi = RANGES.get(fname, PROGRAMME_RANGE)
    if not lo <= r.sid <= hi:
        bad("sid outside the file's range %d-%d" % (lo, hi))
    if "flow" in r.opt:
        for w in r.opt["flow"].split(","):
            if w.strip() not in FLOW_WORDS:
                bad("flow option %r" % w.strip())
    for ref in [v for k, v in r.options if k == "reference"]:
        typ, _, val = ref.partition(",")
        host = val.split("/")[0]
        if typ != "url" or not host.endswith(RESERVED_SUFFIXES):
            bad("reference %r is not a url under a reserved name" % ref)
    for field in (r.src, r.dst):
        for tok in addr_literals(field):
            try:
                net = ipaddress.ip_network(tok, strict=False)
            except ValueError:
                bad("address %r" % tok)
                continue
            if not any(net.subnet_of(d) for d in DOC_NETS if d.version == net.version):
                bad("address %s is not in the documentation ranges" % tok)
    # per-buffer walk over content/pcre
    buf, last_content = "pkt_data", None
    items = []
    for k, v in r.options:
        if k in STICKY:
            buf = k
        elif k == "content":
            last_content = [buf, decode_content(v), False]
            items.append(last_content)
        elif k == "nocase":
            if last_content is None:
                bad("nocase without content")
            else:
                last_content[2] = True
        elif k == "pcre":
            try:
                rx = pcre_to_re(v)
            except (ValueError, re.error) as e:
                bad("pcre does not compile: %s" % e)
                continue
            items.append([buf, rx, None])
    for it in items:
        b, val, nocase = it
        if isinstance(val, bytes) and b == "http.host" and not nocase and val != val.lower():
            bad("http.host content %r has upper case and no nocase: it can never match" % val)
        if isinstance(val, bytes) and b in ("dns.query", "tls.sni", "http.host"):
            name = val.decode(errors="replace").lower()
            if not name.endswith(RESERVED_SUFFIXES):
                bad("indicator domain %r is not under a reserved name" % name)
            for other in items:
                if other[0] == b and not isinstance(other[1], bytes) and not other[1].search(name):
                    bad("pcre /%s/ does not accept its own indicator %r" % (other[1].pattern, name))


def lint(setdir):
    setdir = pathlib.Path(setdir)
    problems, seen = [], {}
    files = sorted(setdir.glob("*.rules"))
    if not files:
        return ["%s: no *.rules files" % setdir]
    for f in files:
        errors = []
        n_rules = 0
        for line, text in rulefile.logical_lines(str(f)):
            try:
                r = rulefile.Rule(str(f), line, text)
            except rulefile.RuleSyntaxError as e:
                problems.append("%s:%d: %s" % (f.name, line, e))
                continue
            n_rules += 1
            if r.sid in seen:
                problems.append("%s:%d: sid %d already used at %s" % (f.name, line, r.sid, seen[r.sid]))
            seen[r.sid] = "%s:%d" % (f.name, line)
            lint_rule(r, f.name, problems)
        problems += errors
        if n_rules == 0:
            problems.append("%s: no rules" % f.name)
    return problems


if __name__ == "__main__":
    d = sys.argv[1] if len(sys.argv) > 1 else str(HERE.parent.parent / "rules" / "sets")
    probs = lint(d)
    for p in probs:
        print(p)
    print("lint_sets: %d problem(s)" % len(probs))
    sys.exit(1 if probs else 0)
