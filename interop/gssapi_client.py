"""A non-Java SASL GSSAPI client (RFC 4752) for interop/krb5.sh: MIT's GSS-API through python3-gssapi.

Usage: gssapi_client.py PORT SERVICE@HOST [AUTHZID]

Uses the credentials in KRB5CCNAME (kinit) and the krb5.conf in KRB5_CONFIG; asks for mutual
authentication unless GSSAPI_MUTUAL=0. Speaks the line
protocol of MitInterop's acceptor, which is SMTP AUTH's (RFC 4954) without the verb: base64
responses ("=" for empty), "334 BASE64" challenges, "235 IDENTITY" or "5xx ..." at the end.
The SASL security layer step is done as RFC 4752 3.1 says: unwrap the server's 4 octets (the
layers it offers and its maximum size), wrap back 0x01 (no security layer), a maximum size of 0
and the authorization identity. Prints the server's last line; exits 0 on 235, 1 otherwise.
"""

import base64
import os
import socket
import sys

import gssapi

NO_SECURITY_LAYER = 0x01
TIMEOUT_S = 30
MAX_STEPS = 10


def main():
    port, target = int(sys.argv[1]), sys.argv[2]
    authzid = sys.argv[3].encode() if len(sys.argv) > 3 else b""
    name = gssapi.Name(target, gssapi.NameType.hostbased_service)
    flags = gssapi.RequirementFlag.integrity
    if os.environ.get("GSSAPI_MUTUAL", "1") != "0":
        flags |= gssapi.RequirementFlag.mutual_authentication
    ctx = gssapi.SecurityContext(name=name, usage="initiate", flags=flags)
    with socket.create_connection(("127.0.0.1", port), TIMEOUT_S) as s:
        s.settimeout(TIMEOUT_S)
        f = s.makefile("rwb")

        def send(data):
            f.write((base64.b64encode(data) if data else b"=") + b"\r\n")
            f.flush()

        def receive():
            line = f.readline(70000).decode("ascii").rstrip("\r\n")
            if not line.startswith("334 "):
                print(line)
                sys.exit(0 if line.startswith("235 ") else 1)
            return base64.b64decode(line[4:])

        send(ctx.step(None))  # the initial response: the AP-REQ
        for _ in range(MAX_STEPS):
            challenge = receive()
            if not ctx.complete:
                send(ctx.step(challenge) or b"")  # the AP-REP, mutual authentication
                continue
            if not challenge:
                send(b"")
                continue
            offer = ctx.unwrap(challenge).message
            if len(offer) != 4 or not offer[0] & NO_SECURITY_LAYER:
                print("server offers no 'no security layer': %r" % offer)
                sys.exit(1)
            send(ctx.wrap(bytes([NO_SECURITY_LAYER, 0, 0, 0]) + authzid, False).message)
        print("no end after %d steps" % MAX_STEPS)
        sys.exit(1)


if __name__ == "__main__":
    main()
