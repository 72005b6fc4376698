#!/usr/bin/python3
"""Raw milter-protocol client for protocol tests: what libmilter's peer sends.

  rawmilter.py PORT negotiate      print the filter's negotiation reply as
                                   "version=6 actions=0x... protocol=0x..." and
                                   the macro lists it asks for
  rawmilter.py PORT garbage KIND   send a malformed packet (huge, truncated,
                                   unknown, zero, early-body) and report whether
                                   the filter closed the connection
"""
import socket
import struct
import sys

SMFIF_ALL = 0x1FF
SMFIP_ALL = 0x1FFFFF


def packet(cmd, data=b""):
    body = cmd + data
    return struct.pack(">I", len(body)) + body


def recv_packet(s):
    head = b""
    while len(head) < 4:
        d = s.recv(4 - len(head))
        if not d:
            return None
        head += d
    n = struct.unpack(">I", head)[0]
    body = b""
    while len(body) < n:
        d = s.recv(n - len(body))
        if not d:
            return None
        body += d
    return body


def negotiate(s):
    s.sendall(packet(b"O", struct.pack(">III", 6, SMFIF_ALL, SMFIP_ALL)))
    return recv_packet(s)


def main():
    port, what = int(sys.argv[1]), sys.argv[2]
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    if what == "negotiate":
        r = negotiate(s)
        version, actions, proto = struct.unpack(">III", r[1:13])
        print("version=%d actions=0x%x protocol=0x%x" % (version, actions, proto))
        rest = r[13:]
        while len(rest) >= 4:
            stage = struct.unpack(">I", rest[:4])[0]
            end = rest.index(b"\0", 4)
            print("macros stage=%d %s" % (stage, rest[4:end].decode()))
            rest = rest[end + 1:]
        return 0
    kind = sys.argv[3]
    negotiate(s)
    if kind == "huge":
        s.sendall(struct.pack(">I", 0x7FFFFFF0) + b"L" + b"x" * 1000)
    elif kind == "truncated":
        s.sendall(struct.pack(">I", 100) + b"M<a@b>")
        s.shutdown(socket.SHUT_WR)
    elif kind == "unknown":
        s.sendall(packet(b"Z", b"what is this"))
    elif kind == "zero":
        s.sendall(struct.pack(">I", 0))
    elif kind == "early-body":
        s.sendall(packet(b"B", b"body before any MAIL FROM\r\n"))
        s.sendall(packet(b"E"))
    elif kind == "bad-connect":
        s.sendall(packet(b"C", b"host\x004"))  # family without port/address
    elif kind == "mid-message":
        # A message under way (no replies expected: SMFIP_NR_*), then garbage.
        s.sendall(packet(b"C", b"mail.example.net\x004" + struct.pack(">H", 25) + b"192.0.2.1\x00"))
        s.sendall(packet(b"D", b"Mi\x00" + b"4QRAW01\x00"))
        s.sendall(packet(b"M", b"<sender@example.net>\x00"))
        s.sendall(packet(b"R", b"<rcpt@example.org>\x00"))
        s.sendall(packet(b"L", b"From\x00 sender@example.net\x00"))
        s.sendall(struct.pack(">I", 0x7FFFFFF0) + b"B")
    try:
        s.settimeout(3)
        while True:
            d = s.recv(4096)
            if not d:
                print("closed")
                return 0
    except socket.timeout:
        print("still open")
    except ConnectionResetError:
        print("closed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
