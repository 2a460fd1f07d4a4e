"""A non-Java SASL GSSAPI server (RFC 4752) for interop/krb5.sh: MIT's GSS-API through python3-gssapi.

Usage: gssapi_server.py PORTFILE

Accepts with the keytab in KRB5_KTNAME and the krb5.conf in KRB5_CONFIG, on a free loopback
port written to PORTFILE; serves one connection (within 30 s) and exits. The line protocol is
MitInterop's, SMTP AUTH's without the verb: the client sends base64 lines ("=" for empty), the
server answers "334 BASE64", then "235 PRINCIPAL" or "535 reason". After the context is
established it offers only "no security layer" (0x01, maximum size 0) wrapped, as RFC 4752 3.1
says, and checks the client's wrapped choice. Prints the outcome; exits 0 on success.
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
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(TIMEOUT_S)
        tmp = sys.argv[1] + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % listener.getsockname()[1])
        os.rename(tmp, sys.argv[1])
        conn, _ = listener.accept()
    with conn:
        conn.settimeout(TIMEOUT_S)
        f = conn.makefile("rwb")

        def reply(line):
            f.write(line.encode("ascii") + b"\r\n")
            f.flush()

        def receive():
            line = f.readline(70000).decode("ascii").strip()
            return b"" if line == "=" else base64.b64decode(line)

        ctx = gssapi.SecurityContext(usage="accept")
        for _ in range(MAX_STEPS):
            token = receive()
            if not ctx.complete:
                out = ctx.step(token)
                reply("334 " + base64.b64encode(out or b"").decode())  # the AP-REP
                continue
            if not token:
                offer = ctx.wrap(bytes([NO_SECURITY_LAYER, 0, 0, 0]), False).message
                reply("334 " + base64.b64encode(offer).decode())
                continue
            choice = ctx.unwrap(token).message
            if len(choice) < 4 or choice[0] != NO_SECURITY_LAYER:
                reply("535 the client chose %r, not 'no security layer'" % choice[:4])
                print("failure: layer %r" % choice[:4])
                sys.exit(1)
            authzid = choice[4:].decode()
            client = str(ctx.initiator_name)
            reply("235 " + client)
            print("success client=%s authzid=%r" % (client, authzid))
            return
        reply("535 too many steps")
        sys.exit(1)


if __name__ == "__main__":
    main()
