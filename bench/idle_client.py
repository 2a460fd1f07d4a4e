#!/usr/bin/env python3
"""Open N idle SMTP connections, hold them, then check each still works.

Usage: idle_client.py PORT N HOLD_SECONDS PER_ADDR

Connections come from 127.0.0.2, 127.0.0.3, ... with PER_ADDR connections
per source address, so that one (source address, destination) pair never
runs out of ephemeral ports. Each connection reads the 220 greeting and
then stays silent. After HOLD_SECONDS every connection sends NOOP and must
get a 250 (proving the server neither dropped nor stalled it), then QUITs.

Prints progress lines; "HOLDING n" is printed once all connection attempts
are done (the caller samples the server's memory then), and the last line
is "RESULT opened=X alive=Y of N".
"""
import asyncio
import sys
import time

CONNECT_CONCURRENCY = 200  # bounded so the server's accept backlog is not flooded
TIMEOUT = 30


async def open_one(port, src, sem):
    async with sem:
        try:
            r, w = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=(src, 0)), TIMEOUT)
            greeting = await asyncio.wait_for(r.readline(), TIMEOUT)
        except (OSError, asyncio.TimeoutError) as e:
            return None, f"{type(e).__name__}: {e}"
        if not greeting.startswith(b"220"):
            w.close()
            return None, f"greeting {greeting[:60]!r}"
        return (r, w), None


async def check_one(conn, sem):
    r, w = conn
    async with sem:
        try:
            # Anything the server said while we were idle (e.g. a 421
            # timeout) means the connection did not survive the hold.
            w.write(b"NOOP\r\n")
            await w.drain()
            reply = await asyncio.wait_for(r.readline(), TIMEOUT)
            ok = reply.startswith(b"250")
            w.write(b"QUIT\r\n")
            await w.drain()
        except (OSError, asyncio.TimeoutError):
            ok = False
        finally:
            w.close()
        return ok


async def main():
    port, n, hold, per_addr = (int(a) for a in sys.argv[1:5])
    sem = asyncio.Semaphore(CONNECT_CONCURRENCY)
    t0 = time.monotonic()
    tasks = [open_one(port, f"127.0.0.{2 + i // per_addr}", sem) for i in range(n)]
    results = await asyncio.gather(*tasks)
    conns = [c for c, _ in results if c]
    errors = {}
    for _, e in results:
        if e:
            errors[e] = errors.get(e, 0) + 1
    print(f"opened {len(conns)}/{n} in {time.monotonic() - t0:.1f}s", flush=True)
    for e, k in sorted(errors.items(), key=lambda x: -x[1])[:5]:
        print(f"  {k} x {e}", flush=True)
    print(f"HOLDING {len(conns)}", flush=True)
    await asyncio.sleep(hold)
    alive = sum(await asyncio.gather(*(check_one(c, sem) for c in conns)))
    print(f"RESULT opened={len(conns)} alive={alive} of {n}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
