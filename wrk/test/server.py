#!/usr/bin/env python3
"""Tiny HTTP/1.1 keep-alive server for wrk's tests (127.0.0.1 only).

Counts every request with its arrival time (CLOCK_MONOTONIC s), its connection and
its X-Lab-Sent stamp (us, or null), and on SIGTERM writes
{"requests": [[t, conn, stamp], ...], "connections": N} as JSON to --out.
  --close-after N --close-ms M  close a connection M ms after its N-th response
                                (i.e. while a paced client sits in its delay)
  --slow-every N --slow-ms M    answer every N-th request M ms late
Every answer carries X-Lab-Done: its write time (CLOCK_MONOTONIC us).
Prints the bound port on stdout once listening.
"""
import argparse, asyncio, json, signal, time

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, default=0)
p.add_argument("--out", required=True)
p.add_argument("--close-after", type=int, default=0)
p.add_argument("--close-ms", type=float, default=0)
p.add_argument("--slow-every", type=int, default=0)
p.add_argument("--slow-ms", type=float, default=0)
a = p.parse_args()

RESP = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
log, nconn, nreq = [], 0, 0


def stamp_of(head):
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"x-lab-sent":
            return int(value.strip())
    return None


class Conn(asyncio.Protocol):
    def connection_made(self, tr):
        global nconn
        self.tr, self.id, self.n, self.buf = tr, nconn, 0, b""
        nconn += 1

    def data_received(self, data):
        global nreq
        self.buf += data
        while b"\r\n\r\n" in self.buf:
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            log.append((time.monotonic(), self.id, stamp_of(head)))
            nreq += 1
            self.n += 1
            loop = asyncio.get_running_loop()
            if a.slow_every and nreq % a.slow_every == 0:
                loop.call_later(a.slow_ms / 1000, self.answer, self.n)
            else:
                self.answer(self.n)

    def answer(self, n):
        if self.tr.is_closing():
            return
        # NOTE: the answer's stamp (wrk.answer_stamp): CLOCK_MONOTONIC us at this write
        done = b"X-Lab-Done: %d\r\n" % int(time.monotonic() * 1e6)
        self.tr.write(RESP.replace(b"\r\n\r\n", b"\r\n" + done + b"\r\n", 1))
        if a.close_after and n % a.close_after == 0:
            asyncio.get_running_loop().call_later(a.close_ms / 1000, self.tr.close)


async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(Conn, "127.0.0.1", a.port, backlog=4096)
    print(srv.sockets[0].getsockname()[1], flush=True)
    done = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, done.set_result, None)
    loop.add_signal_handler(signal.SIGINT, done.set_result, None)
    await done
    with open(a.out + ".tmp", "w") as f:
        json.dump({"requests": log, "connections": nconn}, f)
    import os
    os.rename(a.out + ".tmp", a.out)


asyncio.run(main())
