"""spfdns - a small authoritative DNS server on loopback for the SPF tests.

It serves the zone data of one scenario of the official SPF test suites
(rfc7208-tests.yml, rfc4408-tests.yml) at a time, with the suites' own
meaning, which pyspf's testspf.py defines: an SPF entry also stands for a
TXT record unless the name has TXT entries of its own, "TXT: NONE" means no
TXT record, "TIMEOUT" makes queries for types the name has no record of go
unanswered (so the resolver times out), and unknown names under "error."
time out too. Answers go over UDP (truncated when over the client's EDNS
size) and TCP, from a thread, so a test driver switches scenarios by
assigning `server.zone`.
"""

import socket
import socketserver
import struct
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

IN = dns.rdataclass.IN
TTL = 300


def _key(name):
    """A zone key: the name's labels as bytes, lower case, no trailing dot."""
    if isinstance(name, dns.name.Name):
        labels = [l for l in name.labels if l]
    else:
        labels = [l.encode("utf-8") for l in str(name).rstrip(".").split(".")]
    return b".".join(l.lower() for l in labels)


def _name(text):
    text = str(text).rstrip(".")
    if not text:
        return dns.name.root  # a null MX ("0 ."): RFC 7505
    return dns.name.Name([l.encode("utf-8") for l in text.split(".")] + [b""])


def _txt_rdata(value, rdtype=dns.rdatatype.TXT):
    """TXT rdata from a string or a list of strings (split at 255 bytes).
    No strings at all (the suites' "null text") cannot go on the wire
    (RFC 1035 §3.3.14: one or more; libunbound refuses the answer), so it
    goes as its nearest legal form, one empty string."""
    if isinstance(value, str):
        value = [value]
    if not value:
        value = [""]
    wire = b""
    for s in value:
        b = s.encode("utf-8") if isinstance(s, str) else bytes(s)
        chunks = [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]
        for c in chunks:
            wire += bytes([len(c)]) + c
    return dns.rdata.GenericRdata(IN, rdtype, wire)


def _rdata(rtype, value):
    if rtype in ("TXT", "SPF"):
        return _txt_rdata(value, dns.rdatatype.from_text(rtype))
    if rtype == "MX":
        pref, host = value
        return dns.rdata.from_text(IN, dns.rdatatype.MX, "%d %s" % (int(pref), _name(host)))
    if rtype in ("PTR", "CNAME"):
        return dns.rdata.from_text(IN, dns.rdatatype.from_text(rtype), _name(value).to_text())
    return dns.rdata.from_text(IN, dns.rdatatype.from_text(rtype), str(value))


class Zone:
    """Zone data as the suites write it: {name: [ {TYPE: value} | "TIMEOUT" ]}."""

    def __init__(self, zonedata):
        self.names = {}
        for name, entries in (zonedata or {}).items():
            self.names[_key(name)] = list(self._entries(entries or []))

    @staticmethod
    def _entries(entries):
        has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
        generated = []
        for e in entries:
            if not isinstance(e, dict):
                yield e  # "TIMEOUT"
                continue
            for t, v in e.items():
                if t == "SPF" and not has_txt:
                    generated.append(("TXT", v))
                if v == "NONE" or v == ["NONE"]:
                    continue
                yield (t, v)
        for g in generated:
            yield g

    def answer(self, qname, qtype, depth=0):
        """(rcode, [rrset], dropped): the answer for one question."""
        key = _key(qname)
        entries = self.names.get(key)
        if entries is None:
            if key.startswith(b"error."):
                return None, [], True
            return dns.rcode.NXDOMAIN, [], False
        want = dns.rdatatype.to_text(qtype)
        seen = False
        records, cname = [], None
        for e in entries:
            if e == "TIMEOUT":
                if not seen:
                    return None, [], True
                break
            t, v = e
            if t == want:
                seen = True
                if v == "TIMEOUT":
                    return None, [], True
                records.append(_rdata(t, v))
            elif t == "CNAME" and v != "TIMEOUT":
                cname = v
        if records:
            rr = dns.rrset.RRset(qname, IN, qtype)
            for r in records:
                rr.add(r, TTL)
            return dns.rcode.NOERROR, [rr], False
        if cname is not None and qtype != dns.rdatatype.CNAME and depth < 10:
            target = _name(cname)
            rr = dns.rrset.RRset(qname, IN, dns.rdatatype.CNAME)
            rr.add(_rdata("CNAME", cname), TTL)
            rcode, more, dropped = self.answer(target, qtype, depth + 1)
            if dropped:
                return None, [], True
            return rcode, [rr] + more, False
        return dns.rcode.NOERROR, [], False


class Server:
    """UDP and TCP on one loopback port, answering from self.zone."""

    def __init__(self, zone=None, host="127.0.0.1"):
        self.zone = zone or Zone({})
        self.queries = 0
        outer = self

        class UDP(socketserver.BaseRequestHandler):
            def handle(self):
                data, sock = self.request
                out = outer.respond(data, udp=True)
                if out is not None:
                    sock.sendto(out, self.client_address)

        class TCP(socketserver.BaseRequestHandler):
            def handle(self):
                while True:
                    head = self._read(2)
                    if head is None:
                        return
                    data = self._read(struct.unpack("!H", head)[0])
                    if data is None:
                        return
                    out = outer.respond(data, udp=False)
                    if out is not None:
                        self.request.sendall(struct.pack("!H", len(out)) + out)

            def _read(self, n):
                buf = b""
                while len(buf) < n:
                    chunk = self.request.recv(n - len(buf))
                    if not chunk:
                        return None
                    buf += chunk
                return buf

        class ThreadedUDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
            daemon_threads = True

        class ThreadedTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
            daemon_threads = True
            allow_reuse_address = True

        # Both on the same free port: try until TCP can have the UDP port.
        for _ in range(50):
            self.udp = ThreadedUDP((host, 0), UDP)
            self.port = self.udp.server_address[1]
            try:
                self.tcp = ThreadedTCP((host, self.port), TCP)
                break
            except OSError:
                self.udp.server_close()
        else:
            raise RuntimeError("no free port for UDP and TCP")
        for s in (self.udp, self.tcp):
            threading.Thread(target=s.serve_forever, daemon=True).start()

    def respond(self, data, udp):
        try:
            q = dns.message.from_wire(data)
        except Exception:
            return None
        self.queries += 1
        r = dns.message.make_response(q)
        r.flags |= dns.flags.AA | dns.flags.RA
        if not q.question:
            r.set_rcode(dns.rcode.FORMERR)
            return r.to_wire()
        question = q.question[0]
        rcode, rrsets, dropped = self.zone.answer(question.name, question.rdtype)
        if dropped:
            return None  # the client times out, as the suite's TIMEOUT asks
        r.set_rcode(rcode)
        r.answer.extend(rrsets)
        if not rrsets:
            soa = dns.rrset.from_text(".", 0, IN, dns.rdatatype.SOA,
                                      "ns.test. hostmaster.test. 1 3600 600 86400 0")
            r.authority.append(soa)
        limit = 65535
        if udp:
            limit = max(512, q.payload) if q.edns >= 0 else 512
        try:
            return r.to_wire(max_size=limit)
        except dns.exception.TooBig:
            r.answer = []
            r.authority = []
            r.flags |= dns.flags.TC
            return r.to_wire()

    def close(self):
        for s in (self.udp, self.tcp):
            s.shutdown()
            s.server_close()

