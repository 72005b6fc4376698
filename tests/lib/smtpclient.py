#!/usr/bin/python3
"""SMTP client for the integration tests: one transaction, every reply printed.

Prints one line per stage ("MAIL 250 2.1.0 Ok", "RCPT <b@x> 451 4.7.1 ...",
"DATA 554 5.7.1 ...") so tests can grep for what an SMTP client would see.
--xclient ADDR makes Postfix treat the session as coming from ADDR (Postfix
must list us in smtpd_authorized_xclient_hosts); that is how tests send
"inbound" mail from loopback. --xclient-login USER adds LOGIN=USER: Postfix
then treats the session as authenticated by SMTP AUTH as USER (and tells
milters in {auth_authen}).
"""
import argparse
import smtplib
import sys


def reply(code, msg):
    if isinstance(msg, bytes):
        msg = msg.decode("utf-8", "replace")
    return "%d %s" % (code, " ".join(msg.split()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--helo", default="client.example.net")
    ap.add_argument("--xclient", help="client address to claim via XCLIENT")
    ap.add_argument("--xclient-name", default="mail.example.net")
    ap.add_argument("--xclient-login",
                    help="SASL login name to claim via XCLIENT (Postfix then passes "
                         "{auth_authen} to milters, as after SMTP AUTH)")
    ap.add_argument("--login", help="user:password for SMTP AUTH PLAIN")
    ap.add_argument("--from", dest="sender", default="sender@example.net")
    ap.add_argument("--to", action="append", default=[])
    ap.add_argument("--file", help="message file; default: a small text message")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    rcpts = a.to or ["rcpt@example.org"]
    if a.file:
        with open(a.file, "rb") as f:
            data = f.read()
    else:
        data = ("From: <%s>\r\nTo: <%s>\r\nSubject: test\r\n\r\nHello.\r\n"
                % (a.sender, rcpts[0])).encode()
    s = smtplib.SMTP(timeout=a.timeout)
    code, msg = s.connect(a.host, a.port)
    print("CONNECT", reply(code, msg))
    code, msg = s.ehlo(a.helo)
    print("EHLO", code)
    if a.xclient:
        attrs = "ADDR=%s NAME=%s HELO=%s" % (a.xclient, a.xclient_name, a.helo)
        if a.xclient_login:
            attrs += " LOGIN=%s" % a.xclient_login
        code, msg = s.docmd("XCLIENT", attrs)
        print("XCLIENT", reply(code, msg))
        code, msg = s.ehlo(a.helo)
        print("EHLO", code)
    code, msg = s.mail(a.sender)
    print("MAIL", reply(code, msg))
    if code >= 400:
        s.quit()
        return 0
    accepted = 0
    for r in rcpts:
        code, msg = s.rcpt(r)
        print("RCPT <%s> %s" % (r, reply(code, msg)))
        accepted += code < 400
    if accepted == 0:
        s.rset()
        s.quit()
        return 0
    code, msg = s.data(data)
    print("DATA", reply(code, msg))
    s.quit()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (smtplib.SMTPException, OSError) as e:
        print("ERROR", e)
        sys.exit(1)
