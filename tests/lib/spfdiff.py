"""spfdiff - differential test of chainmilter's SPF evaluator against pyspf.

Zones are made two ways: at random (records built from every mechanism,
modifier, qualifier, prefix length and macro, with a share of syntax
errors, include chains, MX hosts, PTR names, exists targets and exp=
texts), and from the official suites' scenarios, evaluated for client,
sender and HELO combinations the suites do not test. Each zone is served
by spfdns.Server to tool_spfq (spf/eval.c through lib/dns.c) and handed to
pyspf through its DNSLookup hook, from the same spfdns.Zone. Result and,
for fail, the explanation must agree. Usage:

    spfdiff.py TOOL [RANDOM_ZONES [SEED]]

Where RFC 7208 and pyspf part ways the generator stays out of the way and
says why (KNOWN below); the suites decide those cases.
"""

import gzip
import ipaddress
import itertools
import random
import socket
import subprocess
import sys
import os

import yaml

sys.path.insert(0, os.path.dirname(__file__))
import spfdns  # noqa: E402
import dns.rdatatype  # noqa: E402
import spf  # noqa: E402

KNOWN = """Cases the generator avoids, where pyspf departs from RFC 7208:
- void lookups: pyspf counts every empty answer (MX hosts, PTR names, the
  PTR lookup of %{p}); RFC 7208 4.6.4 limits terms. MX hosts here always
  have both A and AAAA; in the suites' zones, a void-limit permerror of
  pyspf's that goes away with pyspf's limit lifted, while ours counted at
  most 2, is listed as this difference;
- redirect=: pyspf counts it against the 10-term limit when parsing, even
  when a mechanism matches first; records here stay below the limit when
  they mix redirect= with DNS mechanisms;
- delimiters: pyspf rejoins with the original delimiter except for l and s
  (RFC 7208 7.3: always '.'); delimiters here only go with l and s;
- %{d0}: pyspf keeps all but one part, RFC 7208 7.1 makes 0 invalid;
- an unknown modifier twice: pyspf's permerror, RFC 7208 6 ignores them
  "no matter where, or how often"; each appears once here;
- include: of the record's own domain: pyspf's permerror before any
  mechanism is evaluated, RFC 7208 evaluates in order (a match before it
  decides); no record here includes its own domain;
- "%%" at the end of a macro-string: pyspf calls it invalid, RFC 7208 7.1's
  ABNF allows it;
- a PTR lookup that fails is a temperror to pyspf, no match to RFC 7208
  5.5: no zone here fails;
- %{p} when no validated name is the domain or under it: RFC 7208 7.3 lets
  any be used, and the resolver's answer order decides; explanations that
  use %{p} may differ in that name;
- %{t} (time) and a domain-spec over 253 bytes after expansion are not
  generated (pyspf drops one label, RFC 7208 7.3 as many as needed)."""

DOMAINS = ["d%d.example" % i for i in range(12)]
HOSTS = ["h%d.example" % i for i in range(8)]
CLIENTS4 = ["192.0.2.%d" % i for i in (1, 2, 3, 77)] + ["198.51.100.%d" % i for i in (1, 9)]
CLIENTS6 = ["2001:db8::%x" % i for i in (1, 2, 0xcafe)] + ["::ffff:192.0.2.2"]
SENDERS = ["user", "first.last", "a-b+c", "postmaster", ""]


def host_addrs(i):
    return "192.0.2.%d" % (i + 1), "2001:db8::%x" % (i + 1)


def rand_domain_spec(r):
    roll = r.random()
    if roll < 0.55:
        return r.choice(DOMAINS + HOSTS)
    if roll < 0.7:
        return r.choice(["%{d}", "%{o}", "%{h}", "%{d2}", "%{d1r}.example"])
    if roll < 0.8:
        return r.choice(["%{i}.wl.example", "%{ir}.%{v}.wl.example", "%{l}.u.example",
                         "%{l1r-}.u.example", "%{L}.u.example"])
    if roll < 0.97:
        return r.choice(["%{p}.p.example", "x.%{s}", "%{d}"])
    # a syntax error now and then
    return r.choice(["%{x}.example", "bad%", "example", "1.2.3.4", "%(i).example",
                     "%{c}.example"])


def rand_term(r, dns_terms, own, mods):
    q = r.choice(["", "", "", "+", "-", "~", "?"])
    kind = r.choice(["ip4", "ip4", "ip4", "ip6", "ip6", "a", "a", "a", "mx", "mx", "ptr",
                     "exists", "exists", "include", "include", "all", "all", "mod", "mod",
                     "err"])
    if kind in ("a", "mx", "ptr", "exists", "include"):
        dns_terms[0] += 1
    if kind == "ip4":
        net = r.choice(["192.0.2.0", "192.0.2.1", "198.51.100.0", "203.0.113.5", "0.0.0.0"])
        cidr = r.choice(["", "/24", "/32", "/31", "/0", "/16", "/24", "/33"])
        return q + "ip4:" + net + cidr
    if kind == "ip6":
        net = r.choice(["2001:db8::", "2001:db8::1", "::ffff:192.0.2.2", "2001:db8:1::"])
        cidr = r.choice(["", "/32", "/64", "/128", "/127", "/64", "/129"])
        return q + "ip6:" + net + cidr
    if kind in ("a", "mx"):
        t = kind
        if r.random() < 0.6:
            t += ":" + rand_domain_spec(r)
        t += r.choice(["", "", "/24", "/32", "//64", "/24//48", "", "/33"])
        return q + t
    if kind == "ptr":
        return q + "ptr" + (":" + rand_domain_spec(r) if r.random() < 0.6 else "")
    if kind == "exists":
        return q + "exists:" + rand_domain_spec(r)
    if kind == "include":
        return q + "include:" + r.choice([d for d in DOMAINS if d != own] + ["nosuch.example"])
    if kind == "all":
        return q + "all"
    if kind == "mod":
        left = [m for m in ("moo=bar", "x-y.z=%{d}", "v=spf1", "note=100%%sure") if m not in mods]
        if not left:
            return q + "all"
        mods.append(r.choice(left))
        return mods[-1]
    return r.choice(["foo", "a:", "ip4:1.2.3", "-all:x", "mx/", "include", "=a"])


def rand_record(r, own):
    terms, dns_terms, mods = [], [0], []
    for _ in range(r.randint(0, 5)):
        terms.append(rand_term(r, dns_terms, own, mods))
    if r.random() < 0.25 and dns_terms[0] <= 2:
        terms.append("redirect=" + r.choice([d for d in DOMAINS if d != own]))
    if r.random() < 0.3:
        terms.append("exp=" + r.choice(["why.example", "why2.example", "nowhy.example",
                                        "%{d}.why.example"]))
    if r.random() < 0.3:
        r.shuffle(terms)
    return ("V=SPF1 " if r.random() < 0.05 else "v=spf1 ") + " ".join(terms)


def random_zone(r):
    z = {}
    for i, h in enumerate(HOSTS):
        a4, a6 = host_addrs(i)
        z[h] = [{"A": a4}, {"AAAA": a6}]
        if r.random() < 0.3:
            z[h].append({"TXT": rand_record(r, h)})
    for d in DOMAINS:
        entries = []
        n = r.choices([0, 1, 1, 1, 2], k=1)[0]
        for _ in range(n):
            entries.append({"TXT": rand_record(r, d)})
        if r.random() < 0.3:
            entries.append({"TXT": "not an spf record"})
        for _ in range(r.choice([0, 0, 1, 2, 3])):
            entries.append({"MX": [r.randint(0, 20), r.choice(HOSTS)]})
        if r.random() < 0.5:
            entries.append({"A": r.choice(CLIENTS4)})
        if r.random() < 0.3:
            entries.append({"AAAA": r.choice(CLIENTS6[:3])})
        z[d] = entries
        if r.random() < 0.3:
            z[d + ".why.example"] = [{"TXT": "explained %{d} for %{i}"}]
    z["why.example"] = [{"TXT": "%{i} is not one of %{d}'s servers (%{c}, %{l}, %{r})"}]
    z["why2.example"] = [{"TXT": "bad macro %{x}"}]
    for ip in CLIENTS4[:3] + CLIENTS6[:2]:
        if r.random() < 0.5:
            name = ipaddress.ip_address(ip).reverse_pointer
            z[name] = [{"PTR": r.choice(HOSTS)}]
            if r.random() < 0.3:
                z[name].append({"PTR": r.choice(DOMAINS)})
        if r.random() < 0.3:
            dots = ip if ":" not in ip else ".".join(
                ipaddress.ip_address(ip).exploded.replace(":", "").upper())
            z[dots + ".wl.example"] = [{"A": "127.0.0.2"}]
    for l in ("user", "first.last", "postmaster"):
        if r.random() < 0.3:
            z[l + ".u.example"] = [{"A": "127.0.0.2"}]
    return z


def rand_queries(r, n):
    out = []
    for _ in range(n):
        ip = r.choice(CLIENTS4 + CLIENTS6)
        d = r.choice(DOMAINS + DOMAINS + HOSTS)
        local = r.choice(SENDERS)
        sender = "%s@%s" % (local, d) if local else ""
        helo = r.choice(DOMAINS + HOSTS + ["[192.0.2.1]", "nohelo"])
        out.append((ip, sender, helo))
    return out


def suite_cases(path):
    """Every scenario of a suite, with client/sender/HELO combinations of its tests."""
    with gzip.open(path, "rb") as f:
        for s in yaml.safe_load_all(f):
            tests = list(s["tests"].values())
            hosts = sorted({str(t["host"]) for t in tests})
            senders = sorted({str(t.get("mailfrom") or "") for t in tests})
            helos = sorted({str(t.get("helo") or "") for t in tests})
            combos = list(itertools.product(hosts, senders, helos))
            have = {(str(t["host"]), str(t.get("mailfrom") or ""), str(t.get("helo") or ""))
                    for t in tests}
            new = [c for c in combos if c not in have]
            random.Random(len(new)).shuffle(new)
            yield s.get("zonedata") or {}, new[:60]


# ---- pyspf on the same zone ----

ZONE = None


class Dropped(Exception):
    pass


def _txt_strings(rdata):
    wire = rdata.data
    out, i = [], 0
    while i < len(wire):
        n = wire[i]
        out.append(wire[i + 1:i + 1 + n])
        i += 1 + n
    return out


def pyspf_lookup(name, qtype, strict=True, timeout=None):
    name = str(name).rstrip(".")
    labels = name.split(".")
    if not name or any(not l or len(l.encode("utf-8", "replace")) > 63 for l in labels):
        return []
    try:
        qname = dns.name.Name([l.encode("utf-8", "surrogateescape") for l in labels] + [b""])
    except Exception:
        return []
    rcode, rrsets, dropped = ZONE.answer(qname, dns.rdatatype.from_text(qtype))
    if dropped:
        raise spf.TempError("DNS timeout")
    out = []
    for rr in rrsets:
        if dns.rdatatype.to_text(rr.rdtype) != qtype:
            continue
        for rd in rr:
            if qtype in ("A", "AAAA"):
                out.append(((name, qtype), rd.address))
            elif qtype == "MX":
                out.append(((name, qtype), (rd.preference, rd.exchange)))
            elif qtype == "PTR":
                out.append(((name, qtype), rd.target.to_text(True)))
            else:
                out.append(((name, qtype), _txt_strings(rd)))
    return out


import dns.name  # noqa: E402

spf.DNSLookup = pyspf_lookup


def pyspf_check(ip, sender, helo, voids=2):
    saved = spf.MAX_VOID_LOOKUPS
    spf.MAX_VOID_LOOKUPS = voids
    try:
        q = spf.query(i=ip, s=sender, h=helo, receiver="receiver.example", strict=True)
        q.set_default_explanation("DEFAULT")
        res, _, exp = q.check()
    finally:
        spf.MAX_VOID_LOOKUPS = saved
    return {"unknown": "permerror", "error": "temperror"}.get(res, res), exp


def counters(field):
    """{"voids": n, "terms": n, "used": n} from tool_spfq's fifth field."""
    out = {}
    for kv in field.split():
        k, _, v = kv.partition("=")
        out[k] = int(v) if v.isdigit() else 0
    return out


def known(ours, theirs, ip, sender, helo):
    """Which known difference explains a disagreement, or None."""
    c = counters(ours[4])
    if (theirs[0] == "permerror" and "Void lookup limit" in theirs[1]
            and c.get("voids", 0) <= 2
            and pyspf_check(ip, sender, helo, voids=100)[0] == ours[0]):
        return "void lookups counted per term (pyspf counts %{p}'s, MX hosts', PTR names')"
    if ours[0] == theirs[0] == "fail" and c.get("used", 0) & 2:
        return "%{p} may be any validated name when none is the domain or under it"
    return None


def main():
    global ZONE
    tool = sys.argv[1]
    n_random = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7208
    server = spfdns.Server()
    proc = subprocess.Popen(
        [tool, "-n", "127.0.0.1@%d" % server.port, "-t", "500", "-T", "20000", "-e", "DEFAULT",
         "-r", "receiver.example", "-b"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        errors="replace")
    r = random.Random(seed)
    jobs = [("random", random_zone(r), rand_queries(r, 12)) for _ in range(n_random)]
    for suite in ("rfc7208-tests.yml.gz", "rfc4408-tests.yml.gz"):
        for zd, queries in suite_cases("/usr/share/doc/python3-spf/" + suite):
            jobs.append((suite, zd, queries))
    counts, disagree, excused, results = {}, [], [], {}
    for kind, zd, queries in jobs:
        ZONE = server.zone = spfdns.Zone(zd)
        for ip, sender, helo in queries:
            proc.stdin.write("reset\n%s\t%s\t%s\n" % (ip, sender, helo))
            proc.stdin.flush()
            ours = (proc.stdout.readline().rstrip("\n").split("\t") + [""] * 5)[:5]
            theirs = pyspf_check(ip, sender, helo)
            counts[kind] = counts.get(kind, 0) + 1
            results[ours[0]] = results.get(ours[0], 0) + 1
            same = ours[0] == theirs[0] and (ours[0] != "fail" or ours[1] == theirs[1])
            if same:
                continue
            why = known(ours, theirs, ip, sender, helo)
            if why is not None:
                excused.append((kind, ip, sender, helo, ours, theirs, why))
            else:
                disagree.append((kind, ip, sender, helo, ours, theirs, zd))
    proc.stdin.close()
    proc.wait()
    server.close()
    total = sum(counts.values())
    desc = ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items()))
    print("# seed %d; results: %s" % (seed, ", ".join(
        "%s %d" % kv for kv in sorted(results.items()))))
    for kind, ip, sender, helo, ours, theirs, why in excused:
        print("# known difference, %s: %s ip=%s sender=%r helo=%r: ours %s %r, pyspf %s %r"
              % (why, kind, ip, sender, helo, ours[0], ours[1], theirs[0], theirs[1]))
    if disagree:
        print("not ok - SPF differential: %d of %d evaluations disagree with pyspf (%s)"
              % (len(disagree), total, desc))
        for kind, ip, sender, helo, ours, theirs, zd in disagree[:15]:
            print("# %s ip=%s sender=%r helo=%r: ours %s %r (%s; %s), pyspf %s %r"
                  % (kind, ip, sender, helo, ours[0], ours[1], ours[2], ours[3],
                     theirs[0], theirs[1]))
            dom = sender.rsplit("@", 1)[-1] if sender else helo
            for name in sorted(zd):
                if name.lower().startswith(dom.lower()) or name in ("why.example",):
                    print("#    %s: %s" % (name, zd[name]))
        return 1
    print("ok - SPF differential: %d evaluations agree with pyspf (%s; %d known "
          "differences listed above)" % (total, desc, len(excused)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
