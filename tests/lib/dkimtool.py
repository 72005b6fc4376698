#!/usr/bin/python3
"""dkimpy (python3-dkim) for the DKIM tests: verify a message's signatures
against the test DNS server, or sign a message as another signer would.

  dkimtool.py verify --port PORT FILE     one line per signature: "pass d=... s=..."
                                          or "fail ...", exit 0 if all pass
  dkimtool.py sign --key K --selector S --domain D [--canon C] [--alg A]
                   [--headers h1:h2] [--length] FILE
                                          the signed message on stdout
"""
import argparse
import base64
import sys

import dkim
import dns.resolver


def dnsfunc_for(port):
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = port
    res.lifetime = 5

    def dnsfunc(name, timeout=5):
        try:
            answer = res.resolve(name.decode() if isinstance(name, bytes) else name, "TXT")
        except Exception:
            return ""
        return b"".join(b"".join(r.strings) for r in answer[:1])
    return dnsfunc


def verify(a):
    msg = open(a.file, "rb").read()
    d = dkim.DKIM(msg)
    sigs = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    if not sigs:
        print("none")
        return 1
    ok = True
    for i in range(len(sigs)):
        try:
            good = d.verify(idx=i, dnsfunc=dnsfunc_for(a.port))
        except dkim.DKIMException as e:
            good = False
            print("error", e, file=sys.stderr)
        tags = dkim.util.parse_tag_value(sigs[i])
        print("%s d=%s s=%s a=%s c=%s" % ("pass" if good else "fail", tags[b"d"].decode(),
              tags[b"s"].decode(), tags[b"a"].decode(),
              tags.get(b"c", b"simple/simple").decode()))
        ok = ok and good
    return 0 if ok else 1


def ed25519_seed(pem):
    """dkimpy wants an Ed25519 key as its base64 seed: the last 32 bytes of
    the PKCS#8 DER that PEM files (ours, OpenSSL's) hold."""
    der = base64.b64decode(b"".join(l for l in pem.splitlines() if not l.startswith(b"-----")))
    return base64.b64encode(der[-32:])


def sign(a):
    msg = open(a.file, "rb").read()
    key = open(a.key, "rb").read()
    if a.alg == "ed25519-sha256" and key.startswith(b"-----"):
        key = ed25519_seed(key)
    canon = tuple(c.encode() for c in a.canon.split("/"))
    kw = {"canonicalize": canon, "signature_algorithm": a.alg.encode()}
    if a.headers:
        kw["include_headers"] = [h.encode() for h in a.headers.split(":")]
    if a.length:
        kw["length"] = True
    sig = dkim.sign(msg, a.selector.encode(), a.domain.encode(), key, **kw)
    sys.stdout.buffer.write(sig + msg)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("verify")
    v.add_argument("--port", type=int, required=True)
    v.add_argument("file")
    s = sub.add_parser("sign")
    s.add_argument("--key", required=True)
    s.add_argument("--selector", required=True)
    s.add_argument("--domain", required=True)
    s.add_argument("--canon", default="relaxed/relaxed")
    s.add_argument("--alg", default="rsa-sha256")
    s.add_argument("--headers")
    s.add_argument("--length", action="store_true", help="add l= (the body length)")
    s.add_argument("file")
    a = ap.parse_args()
    return verify(a) if a.cmd == "verify" else sign(a)


if __name__ == "__main__":
    sys.exit(main())
