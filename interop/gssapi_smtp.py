"""A non-Java SMTP client with AUTH GSSAPI (RFC 4954, RFC 4752) for interop/krb5.sh: Python's smtplib
and MIT's GSS-API through python3-gssapi, against a real Baton SMTP listener.

Usage: gssapi_smtp.py PORT SERVICE@HOST FROM TO SUBJECT

Uses the credentials in KRB5CCNAME (kinit) and the krb5.conf in KRB5_CONFIG. One session: EHLO,
STARTTLS (Baton's certificate is self-signed: the protocol is under test, not PKI), EHLO again,
AUTH GSSAPI with the initial response (the AP-REQ, mutual authentication asked), then as many
334 rounds as the mechanism needs: the AP-REP is answered with an empty line (RFC 4954 4), an
empty challenge too, and the server's wrapped 4 octets of RFC 4752 3.1 (the layers it offers and
its maximum size) with a wrapped 0x01 (no security layer), a maximum size of 0 and no
authorization identity. Then one message from FROM to TO. smtplib's own auth() cannot carry a
GSSAPI token (it encodes each response as ASCII text), so the AUTH rounds go through docmd().
Prints one line with every reply code; exits 0 when AUTH gave 235 and MAIL, RCPT and DATA 250.
"""

import base64
import smtplib
import ssl
import sys

import gssapi

NO_SECURITY_LAYER = 0x01
TIMEOUT_S = 30
MAX_STEPS = 10


def b64(data):
    return base64.b64encode(data).decode("ascii") if data else ""


def authenticate(s, target):
    """AUTH GSSAPI: returns the final (code, text)."""
    name = gssapi.Name(target, gssapi.NameType.hostbased_service)
    flags = gssapi.RequirementFlag.integrity | gssapi.RequirementFlag.mutual_authentication
    ctx = gssapi.SecurityContext(name=name, usage="initiate", flags=flags)
    code, text = s.docmd("AUTH", "GSSAPI " + b64(ctx.step(None)))  # the initial response: the AP-REQ
    for _ in range(MAX_STEPS):
        if code != 334:
            return code, text
        challenge = base64.b64decode(text)
        if not ctx.complete:
            response = ctx.step(challenge) or b""  # the AP-REP: mutual authentication
        elif not challenge:
            response = b""
        else:
            offer = ctx.unwrap(challenge).message
            if len(offer) != 4 or not offer[0] & NO_SECURITY_LAYER:
                s.docmd("*")  # cancel (RFC 4954 4)
                return 0, ("server offers no 'no security layer': %r" % offer).encode()
            response = ctx.wrap(bytes([NO_SECURITY_LAYER, 0, 0, 0]), False).message
        code, text = s.docmd(b64(response))
    return 0, ("no end after %d steps" % MAX_STEPS).encode()


def main():
    port, target, sender, rcpt, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    out = []

    def done(ok):
        print("; ".join(out))
        sys.exit(0 if ok else 1)

    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.interop.test", timeout=TIMEOUT_S) as s:
        s.ehlo()
        tls = ssl.create_default_context()
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
        s.starttls(context=tls)
        s.ehlo()  # RFC 3207: forget what was learned before TLS
        out.append("TLS %s" % s.sock.version())
        mechanisms = s.esmtp_features.get("auth", "").upper().split()
        if "GSSAPI" not in mechanisms:
            out.append("AUTH GSSAPI not offered inside TLS: %r" % mechanisms)
            done(False)
        code, text = authenticate(s, target)
        out.append("AUTH %s %s" % (code, text.decode("utf-8", "replace")))
        if code != 235:
            done(False)
        for verb, (code, text) in (("MAIL", s.mail(sender)), ("RCPT", s.rcpt(rcpt))):
            out.append("%s %s" % (verb, code))
            if code != 250:
                out.append(text.decode("utf-8", "replace"))
                done(False)
        message = "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\nsent with AUTH GSSAPI by python3-gssapi\r\n" % (
            sender, rcpt, subject)
        code, text = s.data(message)
        out.append("DATA %s %s" % (code, text.decode("utf-8", "replace")))
        done(code == 250)


if __name__ == "__main__":
    main()
