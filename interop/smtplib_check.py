#!/usr/bin/env python3
"""Interop check with Python's smtplib (a client most scripts and apps use).

One SMTP session: EHLO, optionally STARTTLS + EHLO again, then COUNT
messages to RCPT in that same session. Exits non-zero on any surprise.

Usage: smtplib_check.py PORT RCPT COUNT tls|plain
"""
import smtplib
import ssl
import sys
from email.message import EmailMessage


def main() -> int:
    port, rcpt, count, mode = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.interop.test", timeout=30) as s:
        code, _ = s.ehlo()
        if code != 250:
            print(f"EHLO answered {code}")
            return 1
        if mode == "tls":
            if not s.has_extn("starttls"):
                print("STARTTLS not advertised")
                return 1
            # Baton's certificate is self-signed: we test the protocol, not PKI.
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s.starttls(context=ctx)
            print(f"TLS: {s.sock.version()} {s.sock.cipher()[0]}")
            # RFC 3207: the client must forget what it learned and EHLO again.
            code, _ = s.ehlo()
            if code != 250:
                print(f"EHLO after STARTTLS answered {code}")
                return 1
            if s.has_extn("starttls"):
                print("STARTTLS still advertised inside TLS")
                return 1
        if not s.has_extn("pipelining"):
            print("PIPELINING not advertised")
            return 1
        for i in range(count):
            msg = EmailMessage()
            msg["From"] = "sender@interop.test"
            msg["To"] = rcpt
            msg["Subject"] = f"smtplib {mode} {i}"
            # A line starting with a dot checks dot-stuffing both ways.
            msg.set_content(f"message {i} over {mode}\n.leading dot line\nend\n")
            refused = s.send_message(msg, from_addr="sender@interop.test", to_addrs=[rcpt])
            if refused:
                print(f"recipients refused: {refused}")
                return 1
        print(f"sent {count} message(s) in one {mode} session")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (smtplib.SMTPException, OSError) as e:
        print(f"error: {type(e).__name__}: {e}")
        sys.exit(1)
