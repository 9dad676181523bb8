"""Comparison peer: the same stub on FastAPI + uvicorn (uvloop, httptools, N workers), with a /__lab/stats.

Run with /usr/bin/python3 (Debian's python3-fastapi/-uvicorn are importable only there):
    /usr/bin/python3 server/peers/fastapi_app.py --workers 2 --port 8000 --stub-ms 200
"""

import argparse
import asyncio
import os
import shutil
import struct
import tempfile
import time
from mmap import mmap

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse

# One int64 per slot, one small file per worker in LAB_PEER_DIR (mmap-ed by that worker, read by whoever
# answers /__lab/stats). NOTE: uvicorn's workers share nothing, so this is how totals cross processes.
SLOTS = ["requests", "aborted", "inFlight", "peakInFlight", "openConnections", "peakOpenConnections"]
STATUSES = [200, 404, 405, 422, 500]
N = len(SLOTS) + len(STATUSES) + 1  # + any other status
FMT = f"{N}q"
SIZE = struct.calcsize(FMT)
REQ, ABORTED, INF, PEAK_INF, OPEN, PEAK_OPEN = range(len(SLOTS))

STUB_S = int(os.environ.get("LAB_STUB_MS", "200")) / 1000
DIR = os.environ.get("LAB_PEER_DIR", "")
STARTED = time.time()
c: memoryview | None = None  # this worker's counters, set at startup

app = FastAPI()


@app.get("/ping", response_class=PlainTextResponse)
@app.get("/ping/", response_class=PlainTextResponse)
async def ping() -> str:
    await asyncio.sleep(STUB_S)
    return "pong"


@app.get("/__lab/stats")
async def lab_stats() -> JSONResponse:
    per = []
    for name in sorted(os.listdir(DIR), key=int):
        if not os.path.exists(f"/proc/{name}"):
            continue  # a dead worker (uvicorn 0.17 does not replace it)
        with open(os.path.join(DIR, name), "rb") as f:
            v = struct.unpack(FMT, f.read(SIZE))
        codes = [str(s) for s in STATUSES] + ["other"]
        per.append(
            {"id": len(per) + 1, "pid": int(name), **{k: v[i] for i, k in enumerate(SLOTS)}}
            | {"responses": {k: n for k, n in zip(codes, v[len(SLOTS) :]) if n > 0}}
        )
    total = {k: sum(w[k] for w in per) for k in SLOTS}
    responses: dict[str, int] = {}
    for w in per:
        for k, n in w["responses"].items():
            responses[k] = responses.get(k, 0) + n
    # NOTE: no nativeUws (not a uWS server). peakOpenConnections / peakInFlight are sums of per-worker peaks
    # (upper bounds); responses count answers handed to uvicorn, including the few whose client had gone.
    return JSONResponse({
        "impl": "fastapi",
        "workers": len(per),
        "pids": [w["pid"] for w in per],
        "primaryPid": int(os.environ.get("LAB_PRIMARY_PID", "0")),
        "stubMs": round(STUB_S * 1000),
        "uptimeS": time.time() - STARTED,
        "restarts": 0,
        **total,
        "selfConnection": 1,  # openConnections includes this stats call's own connection
        "responses": responses,
        "pausedWorkers": 0,  # the uWS server's fd guard; there is none here
        "listenerPauses": 0,
        "perWorker": per,
    })


class Count:
    """Pure ASGI middleware: counts every request but /__lab/stats, in flight, and responses by status."""

    def __init__(self, app) -> None:  # NOTE: Starlette passes the wrapped app as the keyword "app"
        self.inner = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] == "/__lab/stats" or c is None:
            return await self.inner(scope, receive, send)
        c[REQ] += 1
        c[INF] += 1
        c[PEAK_INF] = max(c[PEAK_INF], c[INF])

        async def counted(message) -> None:
            if message["type"] == "http.response.start":
                s = message["status"]
                c[len(SLOTS) + (STATUSES.index(s) if s in STATUSES else len(STATUSES))] += 1
            await send(message)

        try:
            await self.inner(scope, receive, counted)
        finally:
            c[INF] -= 1


app.add_middleware(Count)


@app.on_event("startup")
def open_counters() -> None:
    # NOTE: here, not at import: spawn imports this file twice in each worker (__mp_main__, fastapi_app).
    global c
    fd = os.open(os.path.join(DIR, str(os.getpid())), os.O_RDWR | os.O_CREAT, 0o600)
    os.ftruncate(fd, SIZE)
    c = memoryview(mmap(fd, SIZE)).cast("q")
    count_connections(c)


def count_connections(k: memoryview) -> None:
    """Open connections and aborts from uvicorn's protocol: ASGI itself never sees a connection."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as P

    made, lost = P.connection_made, P.connection_lost

    def connection_made(self, transport) -> None:
        k[OPEN] += 1
        k[PEAK_OPEN] = max(k[PEAK_OPEN], k[OPEN])
        made(self, transport)

    def connection_lost(self, exc) -> None:
        k[OPEN] -= 1
        if self.cycle is not None and not self.cycle.response_complete:
            k[ABORTED] += 1
        lost(self, exc)

    P.connection_made, P.connection_lost = connection_made, connection_lost


def main() -> None:
    import uvicorn

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--stub-ms", type=int, default=200)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    a = ap.parse_args()
    if a.workers < 1 or a.stub_ms < 0:
        ap.error("--workers must be ≥ 1 and --stub-ms ≥ 0")
    d = tempfile.mkdtemp(prefix="lab-fastapi-")
    # NOTE: workers are fresh interpreters (multiprocessing spawn): settings reach them through the env.
    os.environ.update(LAB_PEER_DIR=d, LAB_STUB_MS=str(a.stub_ms), LAB_PRIMARY_PID=str(os.getpid()))
    try:
        uvicorn.run(
            "fastapi_app:app",
            app_dir=os.path.dirname(os.path.abspath(__file__)),
            host=a.host,
            port=a.port,
            workers=a.workers,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=10,  # NOTE: uWS closes idle keep-alive connections after ~10 s; uvicorn's default is 5
        )
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
