"""spfbad - hostile SPF data against chainmilter's evaluator: include and
redirect loops, records that ask for far more DNS work than RFC 7208
allows, huge answers, and servers that never answer. Each case checks the
result, how long it took, and how many queries reached the DNS server
(spfdns.Server counts them), so "never more DNS work than the RFC allows"
is measured, not assumed. Usage: spfbad.py TOOL
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import spfdns  # noqa: E402

IP = "192.0.2.10"

# name -> zone entries, expected result, most queries allowed, most seconds
CASES = []


def case(desc, zone, sender, want, max_queries, max_seconds=2.0, ip=IP):
    CASES.append((desc, zone, sender, want, max_queries, max_seconds, ip))


case("an include loop: permerror at the 10-term limit",
     {"loop.example": [{"TXT": "v=spf1 include:loop.example -all"}]},
     "a@loop.example", "permerror", 11)
case("a redirect loop between two domains: permerror at the limit",
     {"r1.example": [{"TXT": "v=spf1 redirect=r2.example"}],
      "r2.example": [{"TXT": "v=spf1 redirect=r1.example"}]},
     "a@r1.example", "permerror", 11)
case("30 a: mechanisms: only 10 are looked up, then permerror",
     dict([("many.example", [{"TXT": "v=spf1 " + " ".join(
         "a:h%d.example" % i for i in range(30)) + " -all"}])] +
          [("h%d.example" % i, [{"A": "198.51.100.%d" % i}]) for i in range(30)]),
     "a@many.example", "permerror", 11)
case("10 mx: terms of 10 hosts each: at most 10 MX and 100 address lookups",
     dict([("mxs.example", [{"TXT": "v=spf1 " + " ".join(
         "mx:m%d.example" % i for i in range(10)) + " -all"}])] +
          [("m%d.example" % i, [{"MX": [j, "x%d.m%d.example" % (j, i)]} for j in range(10)])
           for i in range(10)] +
          [("x%d.m%d.example" % (j, i), [{"A": "198.51.100.200"}])
           for i in range(10) for j in range(10)]),
     "a@mxs.example", "fail", 1 + 10 + 100)
case("11 MX records: permerror before any host is looked up",
     dict([("mx11.example", [{"TXT": "v=spf1 mx -all"}] +
            [{"MX": [i, "x%d.mx11.example" % i]} for i in range(11)])]),
     "a@mx11.example", "permerror", 2)
case("void lookups: the third empty answer ends it (permerror)",
     {"void.example": [{"TXT": "v=spf1 " + " ".join(
         "a:nx%d.example" % i for i in range(8)) + " -all"}]},
     "a@void.example", "permerror", 4)
case("20 PTR names: only the first 10 are validated",
     dict([("ptr.example", [{"TXT": "v=spf1 ptr -all"}]),
           ("10.2.0.192.in-addr.arpa", [{"PTR": "p%d.ptr.example" % i} for i in range(20)])] +
          [("p%d.ptr.example" % i, [{"A": "198.51.100.1"}]) for i in range(20)]),
     "a@ptr.example", "fail", 1 + 1 + 10)
case("a record of 30 KB (TCP): evaluated, long and valid",
     {"long.example": [{"TXT": "v=spf1 " + " ".join(
         "ip4:198.51.%d.%d" % (i // 250, i % 250) for i in range(1800)) + " ip4:192.0.2.10 -all"}]},
     "a@long.example", "pass", 3)
case("800 TXT records of garbage (50 KB, TCP) and one SPF record",
     {"many-txt.example": [{"TXT": "garbage %04d " % i + "x" * 40} for i in range(800)] +
      [{"TXT": "v=spf1 ip4:192.0.2.0/24 -all"}]},
     "a@many-txt.example", "pass", 3)
case("an answer of 1,100 records, over lib/dns.h's 1,024: permerror",
     {"count.example": [{"TXT": "%d" % i} for i in range(1100)]},
     "a@count.example", "permerror", 3)
case("an answer too big for DNS itself (75 KB): an error or none, no crash",
     {"huge.example": [{"TXT": "x" * 250} for i in range(300)]},
     "a@huge.example", ("permerror", "temperror", "none"), 12)
case("control bytes and non-ASCII in a record: permerror",
     {"bytes.example": [{"TXT": "v=spf1 a:\x01\x7f.example \u00e9 -all"}]},
     "a@bytes.example", "permerror", 2)
case("the sender's domain never answers: temperror at the per-query deadline",
     {"slow.example": ["TIMEOUT"]},
     "a@slow.example", "temperror", 3, max_seconds=1.5)
case("10 MX hosts that never answer: asked in parallel, one deadline, temperror",
     dict([("par.example", [{"TXT": "v=spf1 mx -all"}] +
            [{"MX": [i, "error.h%d.par.example" % i]} for i in range(10)])]),
     "a@par.example", "temperror", 2 + 10 * 3, max_seconds=1.5)
case("a nested include that never answers: temperror, the rest not asked",
     {"outer.example": [{"TXT": "v=spf1 include:inner.example a:after.example -all"}],
      "inner.example": ["TIMEOUT"]},
     "a@outer.example", "temperror", 4, max_seconds=1.5)


def main():
    tool = sys.argv[1]
    server = spfdns.Server()
    proc = subprocess.Popen(
        [tool, "-n", "127.0.0.1@%d" % server.port, "-t", "500", "-T", "5000", "-e", "DEFAULT",
         "-b"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        errors="replace")
    failed = 0
    for desc, zone, sender, want, max_q, max_s, ip in CASES:
        server.zone = spfdns.Zone(zone)
        proc.stdin.write("reset\n")
        proc.stdin.flush()
        time.sleep(0.05)
        server.queries = 0
        start = time.monotonic()
        proc.stdin.write("%s\t%s\thelo.example\n" % (ip, sender))
        proc.stdin.flush()
        got = (proc.stdout.readline().rstrip("\n").split("\t") + [""] * 5)[:5]
        took = time.monotonic() - start
        wants = want if isinstance(want, tuple) else (want,)
        problems = []
        if got[0] not in wants:
            problems.append("result %s (%s), expected %s" % (got[0], got[3], "/".join(wants)))
        if server.queries > max_q:
            problems.append("%d DNS queries, at most %d allowed" % (server.queries, max_q))
        if took > max_s:
            problems.append("took %.2fs, over %.1fs" % (took, max_s))
        line = "%s: %s, %d queries, %.2fs" % (desc, got[0], server.queries, took)
        if problems:
            failed += 1
            print("not ok - %s (%s)" % (line, "; ".join(problems)))
        else:
            print("ok - %s" % line)
    proc.stdin.close()
    proc.wait()
    server.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
