#!/usr/bin/env python3
"""Load that makes error replies: SESSIONS connections, each sending its share of
MESSAGES messages over one connection, every message with one recipient the
server refuses (550: event 7010 at Medium) and one it accepts.

Usage: refused_send.py PORT SESSIONS MESSAGES SIZE
Prints the elapsed seconds; exits non-zero when a reply is not as expected.
"""
import socket
import sys
import threading
import time


def reply(f):
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("server closed the connection")
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3])


def session(port, count, body, failures):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        f = s.makefile("rb")
        assert reply(f) == 220
        s.sendall(b"EHLO load.test\r\n")
        assert reply(f) == 250
        for _ in range(count):
            # pipelined (the server offers PIPELINING): one write, then the four replies
            s.sendall(b"MAIL FROM:<a@bench.test>\r\nRCPT TO:<x@elsewhere.test>\r\nRCPT TO:<b@bench.test>\r\nDATA\r\n")
            codes = [reply(f) for _ in range(4)]
            if codes != [250, 550, 250, 354]:
                raise AssertionError("replies %s" % codes)
            s.sendall(body)
            if reply(f) != 250:
                raise AssertionError("end of data refused")
        s.sendall(b"QUIT\r\n")
        reply(f)
        s.close()
    except Exception as e:  # noqa: BLE001 - reported and counted
        failures.append(repr(e))


def main():
    port, sessions, messages, size = (int(a) for a in sys.argv[1:5])
    body = (b"Subject: load\r\n\r\n" + (b"x" * 76 + b"\r\n") * max(1, size // 78) + b".\r\n")
    failures = []
    per = [messages // sessions + (1 if i < messages % sessions else 0) for i in range(sessions)]
    threads = [threading.Thread(target=session, args=(port, n, body, failures)) for n in per]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    if failures:
        print("failures: %d, first: %s" % (len(failures), failures[0]), file=sys.stderr)
        sys.exit(1)
    print("%.3f" % elapsed)


if __name__ == "__main__":
    main()
