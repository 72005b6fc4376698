"""spfsuite - run an official SPF test suite (YAML, as python3-spf ships
them) against chainmilter's evaluator.

Each scenario's zone data is served by spfdns.Server on loopback; every
test is one query to tool_spfq (spf/eval.c through lib/dns.c, a fresh
resolver each time so that no cache carries over). Prints one "ok"/"not ok"
line per test, then the count. Usage:

    spfsuite.py TOOL SUITE.yml[.gz] [TEST-ID...]
"""

import gzip
import subprocess
import sys

import yaml

sys.path.insert(0, __import__("os").path.dirname(__file__))
import spfdns  # noqa: E402

# Tests of the suites we judge wrong, with the reason; none so far.
WRONG = {}


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return list(yaml.safe_load_all(f))


def main():
    tool, path = sys.argv[1], sys.argv[2]
    only = set(sys.argv[3:])
    name = path.split("/")[-1].replace(".gz", "")
    server = spfdns.Server()
    proc = subprocess.Popen(
        [tool, "-n", "127.0.0.1@%d" % server.port, "-t", "500", "-T", "20000",
         "-e", "DEFAULT", "-r", "receiver.example", "-b"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        errors="replace")
    passed = failed = 0
    for scenario in load(path):
        server.zone = spfdns.Zone(scenario.get("zonedata"))
        for tid, t in scenario["tests"].items():
            if only and tid not in only:
                continue
            sender = str(t.get("mailfrom") or "")
            helo = str(t.get("helo") or "")
            proc.stdin.write("reset\n%s\t%s\t%s\n" % (t["host"], sender, helo))
            proc.stdin.flush()
            line = proc.stdout.readline().rstrip("\n")
            res, exp, mech, problem = (line.split("\t") + ["", "", "", ""])[:4]
            want = t["result"] if isinstance(t["result"], list) else [t["result"]]
            good = res in want
            why = ""
            if not good:
                why = "result %s, expected %s" % (res, "/".join(want))
            elif "explanation" in t and exp != t["explanation"]:
                good = False
                why = "explanation %r, expected %r" % (exp, t["explanation"])
            desc = "%s %s: %s" % (name, tid, "/".join(want))
            if good:
                passed += 1
                print("ok - %s" % desc)
            elif tid in WRONG:
                passed += 1
                print("ok - %s # suite judged wrong: %s" % (desc, WRONG[tid]))
            else:
                failed += 1
                print("not ok - %s (%s; mechanism %r, problem %r)" % (desc, why, mech, problem))
    proc.stdin.close()
    proc.wait()
    server.close()
    print("# %s: %d of %d tests pass" % (name, passed, passed + failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
