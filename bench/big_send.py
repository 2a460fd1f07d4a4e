#!/usr/bin/env python3
"""Send one message file over SMTP, streaming it from disk.

Usage: big_send.py PORT FROM RCPT FILE

FILE holds the message with CRLF line endings. It is streamed in lines
(with dot-stuffing) so the client's memory stays flat; a raw socket is used
rather than smtplib so the phases can be timed: the interesting number is
the time from the end of DATA to the server's 250 (its own spooling).
"""
import socket
import sys
import time

REPLY_TIMEOUT = 600


def reply(f):
    """Read one (possibly multi-line) reply; returns (code, text)."""
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("server closed the connection")
        lines.append(line.decode(errors="replace").rstrip())
        if len(line) < 4 or line[3:4] != b"-":
            return int(lines[-1][:3]), "\n".join(lines)


def expect(f, want, what):
    code, text = reply(f)
    if code != want:
        print(f"{what}: expected {want}, got:\n{text}")
        sys.exit(1)
    return text


def main():
    port, sender, rcpt, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    with open(path, "rb") as msg:
        msg.seek(0, 2)
        size = msg.tell()
    s = socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT)
    f = s.makefile("rb")
    expect(f, 220, "greeting")
    s.sendall(b"EHLO client.bench.test\r\n")
    ehlo = expect(f, 250, "EHLO")
    size_param = f" SIZE={size}" if "SIZE" in ehlo.upper() else ""
    s.sendall(f"MAIL FROM:<{sender}>{size_param}\r\n".encode())
    expect(f, 250, "MAIL FROM")
    s.sendall(f"RCPT TO:<{rcpt}>\r\n".encode())
    expect(f, 250, "RCPT TO")
    s.sendall(b"DATA\r\n")
    expect(f, 354, "DATA")
    t0 = time.monotonic()
    buf = []
    buffered = 0
    with open(path, "rb") as msg:
        for line in msg:
            if line.startswith(b"."):
                line = b"." + line
            buf.append(line)
            buffered += len(line)
            if buffered >= 1 << 20:
                s.sendall(b"".join(buf))
                buf, buffered = [], 0
    buf.append(b".\r\n")
    s.sendall(b"".join(buf))
    t1 = time.monotonic()
    text = expect(f, 250, "end of DATA")
    t2 = time.monotonic()
    s.sendall(b"QUIT\r\n")
    try:
        reply(f)
    except (ConnectionError, OSError):
        pass
    s.close()
    print(f"sent {size} bytes: transfer {t1 - t0:.2f}s, "
          f"end-of-data to 250 {t2 - t1:.2f}s, DATA total {t2 - t0:.2f}s")
    print(f"reply: {text}")


if __name__ == "__main__":
    main()
