"""A small reader of Suricata-style rule files, for the replay suite.

It is deliberately independent of the sensor's parser: the suite uses it to
know each rule's msg/gid/rev/classtype/priority/metadata (to check the EVE
records against) and to lint the bundled sets. It understands comments,
trailing-backslash continuations, quoted option values with \\" \\; \\\\
escapes, and nothing more.
"""

import os
import re

# Suricata's default classification.config: name -> (description, priority)
CLASSTYPES = {
    "not-suspicious": ("Not Suspicious Traffic", 3),
    "unknown": ("Unknown Traffic", 3),
    "bad-unknown": ("Potentially Bad Traffic", 2),
    "attempted-recon": ("Attempted Information Leak", 2),
    "successful-recon-limited": ("Information Leak", 2),
    "successful-recon-largescale": ("Large Scale Information Leak", 2),
    "attempted-dos": ("Attempted Denial of Service", 2),
    "successful-dos": ("Denial of Service", 2),
    "attempted-user": ("Attempted User Privilege Gain", 1),
    "unsuccessful-user": ("Unsuccessful User Privilege Gain", 1),
    "successful-user": ("Successful User Privilege Gain", 1),
    "attempted-admin": ("Attempted Administrator Privilege Gain", 1),
    "successful-admin": ("Successful Administrator Privilege Gain", 1),
    "rpc-portmap-decode": ("Decode of an RPC Query", 2),
    "shellcode-detect": ("Executable code was detected", 1),
    "string-detect": ("A suspicious string was detected", 3),
    "suspicious-filename-detect": ("A suspicious filename was detected", 2),
    "suspicious-login": ("An attempted login using a suspicious username was detected", 2),
    "system-call-detect": ("A system call was detected", 2),
    "tcp-connection": ("A TCP connection was detected", 4),
    "trojan-activity": ("A Network Trojan was detected", 1),
    "unusual-client-port-connection": ("A client was using an unusual port", 2),
    "network-scan": ("Detection of a Network Scan", 3),
    "denial-of-service": ("Detection of a Denial of Service Attack", 2),
    "non-standard-protocol": ("Detection of a non-standard protocol or event", 2),
    "protocol-command-decode": ("Generic Protocol Command Decode", 3),
    "web-application-activity": ("access to a potentially vulnerable web application", 2),
    "web-application-attack": ("Web Application Attack", 1),
    "misc-activity": ("Misc activity", 3),
    "misc-attack": ("Misc Attack", 2),
    "icmp-event": ("Generic ICMP event", 3),
    "inappropriate-content": ("Inappropriate Content was Detected", 1),
    "policy-violation": ("Potential Corporate Privacy Violation", 1),
    "default-login-attempt": ("Attempt to login by a default username and password", 2),
    "targeted-activity": ("Targeted Malicious Activity was Detected", 1),
    "exploit-kit": ("Exploit Kit Activity Detected", 1),
    "external-ip-check": ("Device Retrieving External IP Address Detected", 2),
    "domain-c2": ("Domain Observed Used for C2 Detected", 1),
    "pup-activity": ("Possibly Unwanted Program Detected", 2),
    "credential-theft": ("Successful Credential Theft Detected", 1),
    "social-engineering": ("Possible Social Engineering Attempted", 2),
    "coin-mining": ("Crypto Currency Mining Activity Detected", 2),
    "command-and-control": ("Malware Command and Control Activity Detected", 1),
}

TLPS = ("clear", "green", "amber", "amber+strict", "red")

HEADER = re.compile(r"^(alert)\s+(\S+)\s+(\S+|\[[^\]]*\])\s+(\S+|\[[^\]]*\])\s+(->|<>)\s+"
                    r"(\S+|\[[^\]]*\])\s+(\S+|\[[^\]]*\])\s*\((.*)\)\s*$", re.S)


class RuleSyntaxError(Exception):
    pass


class Rule:
    def __init__(self, path, line, text):
        self.path, self.line, self.text = path, line, text
        m = HEADER.match(text)
        if not m:
            raise RuleSyntaxError("cannot read the rule header")
        (self.action, self.proto, self.src, self.sport, self.dir, self.dst,
         self.dport, body) = m.groups()
        self.options = split_options(body)
        self.opt = {}
        for k, v in self.options:
            self.opt.setdefault(k, v)
        try:
            self.sid = int(self.opt["sid"])
        except (KeyError, ValueError):
            raise RuleSyntaxError("no numeric sid")
        self.gid = int(self.opt.get("gid", "1"))
        self.rev = int(self.opt.get("rev", "0"))
        self.msg = unquote(self.opt.get("msg", ""))
        self.classtype = self.opt.get("classtype")
        self.priority = int(self.opt["priority"]) if "priority" in self.opt else None
        self.metadata = []
        for k, v in self.options:
            if k == "metadata" and v:
                for entry in v.split(","):
                    entry = entry.strip()
                    if entry:
                        key, _, val = entry.partition(" ")
                        self.metadata.append((key.strip(), val.strip()))
        tlp = [v for k, v in self.metadata if k == "tlp"]
        self.tlp = tlp[0].lower() if tlp else None
        if self.tlp == "white":
            self.tlp = "clear"

    def category(self):
        return CLASSTYPES[self.classtype][0] if self.classtype in CLASSTYPES else ""

    def severity(self):
        if self.priority is not None:
            return self.priority
        if self.classtype in CLASSTYPES:
            return CLASSTYPES[self.classtype][1]
        return 3  # Suricata's default when no classtype and no priority


def unquote(v):
    v = v.strip()
    if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        v = v[1:-1]
    return re.sub(r'\\(["\\;:])', r"\1", v)


def split_options(body):
    """Splits 'k:v; k2; k3:"a\\;b";' into [(k, v), ...] honouring quotes."""
    out, cur, inq, esc = [], "", False, False
    for ch in body:
        if esc:
            cur += ch
            esc = False
        elif ch == "\\":
            cur += ch
            esc = True
        elif ch == '"':
            cur += ch
            inq = not inq
        elif ch == ";" and not inq:
            if cur.strip():
                out.append(cur)
            cur = ""
        else:
            cur += ch
    if inq:
        raise RuleSyntaxError("unterminated quoted string")
    if cur.strip():
        raise RuleSyntaxError("option %r not terminated by ';'" % cur.strip())
    pairs = []
    for o in out:
        k, sep, v = o.partition(":")
        pairs.append((k.strip(), v.strip() if sep else None))
    return pairs


def logical_lines(path):
    """Yields (first_line_number, text) of each rule, continuations joined."""
    with open(path, encoding="utf-8", errors="replace") as f:
        buf, start = "", 0
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not buf:
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                start = n
            if line.endswith("\\"):
                buf += line[:-1]
                continue
            buf += line
            yield start, buf.strip()
            buf = ""
        if buf:
            yield start, buf.strip()


def rule_files(path):
    if os.path.isdir(path):
        return sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".rules"))
    return [path]


def load(path, errors=None):
    """Rules of a file or a directory of *.rules, keyed by (gid, sid).
    Lines that do not read as rules are appended to `errors` (if given)."""
    rules = {}
    for fpath in rule_files(path):
        for n, text in logical_lines(fpath):
            try:
                r = Rule(fpath, n, text)
            except RuleSyntaxError as e:
                if errors is not None:
                    errors.append("%s:%d: %s" % (fpath, n, e))
                continue
            rules.setdefault((r.gid, r.sid), r)
    return rules
