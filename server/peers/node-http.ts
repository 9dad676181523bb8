// Comparison peer: the same stub on node:http + node:cluster (N workers), with a /__lab/stats the load driver reads.
import cluster, { type Worker } from "node:cluster";
import http from "node:http";
import { parseArgs } from "node:util";
import { type LabStats, sumWorkers, type WorkerStats } from "../stats.ts";

const { values: o } = parseArgs({
  options: {
    workers: { type: "string", default: "1" },
    "stub-ms": { type: "string", default: "200" },
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8000" },
  },
});
const workers = Number(o.workers);
const stubMs = Number(o["stub-ms"]);
const port = Number(o.port);
const host = o.host;
if (![workers, stubMs, port].every((n) => Number.isInteger(n) && n >= 0) || workers < 1) {
  process.stderr.write("error: --workers ≥ 1, --stub-ms ≥ 0 and --port must be integers\n");
  process.exit(2);
}

type Msg =
  | { t: "stats?"; id: number }
  | { t: "report?"; id: number }
  | { t: "report"; id: number; w: WorkerStats }
  | { t: "stats"; id: number; s: PeerStats };

/** LabStats as a peer serves it: no nativeUws (not a uWS server), and which implementation answers. */
type PeerStats = Omit<LabStats, "nativeUws"> & { impl: string };

if (cluster.isPrimary) runPrimary();
else runWorker(cluster.worker?.id ?? 0);

// NOTE: node:cluster's default on Linux is round-robin: the primary accepts every connection and hands it to
// a worker, so the primary's CPU is part of the server's (it is in primaryPid, which the driver samples).
function runPrimary(): void {
  const started = Date.now();
  let stopping = false;
  let peakOpen = 0;
  let listening = 0;
  let nextId = 0;
  const pending = new Map<number, { got: WorkerStats[]; want: number; done: (w: WorkerStats[]) => void }>();
  const all = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
  const gather = (): Promise<WorkerStats[]> =>
    new Promise((done) => {
      const id = ++nextId;
      const ws = all();
      pending.set(id, { got: [], want: ws.length, done });
      for (const w of ws) w.send({ t: "report?", id } satisfies Msg);
      setTimeout(() => pending.get(id)?.done(pending.get(id)?.got ?? []), 1000); // a dead worker
    });
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on("listening", () => {
    if (++listening === workers)
      process.stdout.write(`ready: ${workers} workers on http://${host}:${port} (stub ${stubMs} ms)\n`);
  });
  cluster.on("message", (from: Worker, m: Msg) => {
    if (m.t === "report") {
      const p = pending.get(m.id);
      if (!p) return;
      p.got.push(m.w);
      if (p.got.length === p.want) {
        pending.delete(m.id);
        p.done(p.got);
      }
    } else if (m.t === "stats?") {
      gather().then((ws) => {
        ws.sort((a, b) => a.id - b.id);
        const open = ws.reduce((a, w) => a + w.openConnections, 0);
        peakOpen = Math.max(peakOpen, open);
        // NOTE: not a uWS server: no nativeUws field (it does not apply); impl names the peer instead.
        const { nativeUws: _, ...s } = sumWorkers(ws, {
          primaryPid: process.pid,
          nativeUws: false,
          stubMs,
          uptimeS: (Date.now() - started) / 1000,
          restarts: 0,
          selfConnection: 1, // the stats call's own connection is one of the counted ones
          peakOpenConnections: peakOpen,
        });
        from.send({ t: "stats", id: m.id, s: { ...s, impl: "node-http" } } satisfies Msg);
      });
    }
  });
  cluster.on("exit", (w, code, signal) => {
    if (!stopping) process.stderr.write(`worker ${w.process.pid} died (${code ?? signal}), not replaced\n`);
    if (all().length === 0) process.exit(stopping ? 0 : 1);
  });
  const stop = (): void => {
    stopping = true;
    for (const w of all()) w.process.kill("SIGTERM");
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function runWorker(id: number): void {
  const w: WorkerStats = {
    id,
    pid: process.pid,
    requests: 0,
    responses: {},
    aborted: 0,
    inFlight: 0,
    peakInFlight: 0,
    openConnections: 0,
    peakOpenConnections: 0,
  };
  const asks = new Map<number, http.ServerResponse>();
  const server = http.createServer(stubHandler(w, asks));
  // NOTE: uWS closes idle keep-alive connections after ~10 s; node's default is 5 s. Match uWS.
  server.keepAliveTimeout = 10_000;
  server.on("connection", (socket) => {
    w.openConnections++;
    w.peakOpenConnections = Math.max(w.peakOpenConnections, w.openConnections);
    socket.on("close", () => {
      w.openConnections--;
    });
  });
  process.on("message", (m: Msg) => {
    if (m.t === "report?") process.send?.({ t: "report", id: m.id, w } satisfies Msg);
    else if (m.t === "stats") {
      const res = asks.get(m.id);
      asks.delete(m.id);
      res?.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(m.s));
    }
  });
  server.listen(port, host);
  const stop = (): void => {
    server.close();
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), stubMs + 500).unref(); // in-flight requests are answered first
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/** /ping after stubMs, 404 / 405 otherwise, counted in w; /__lab/stats is asked of the primary (kept in asks). */
function stubHandler(w: WorkerStats, asks: Map<number, http.ServerResponse>): http.RequestListener {
  const respond = (res: http.ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { "content-type": "text/plain" }).end(body);
    w.responses[status] = (w.responses[status] ?? 0) + 1;
  };
  let nextAsk = 0;
  return (req, res) => {
    const path = req.url?.split("?")[0];
    if (path === "/__lab/stats" && req.method === "GET") {
      // NOTE: not counted as a request (as in the uWS server); its connection is one of the open ones.
      const ask = ++nextAsk;
      asks.set(ask, res);
      process.send?.({ t: "stats?", id: ask } satisfies Msg);
      return;
    }
    w.requests++;
    if (path !== "/ping" && path !== "/ping/") return respond(res, 404, "not found");
    if (req.method !== "GET") return respond(res, 405, "method not allowed");
    w.inFlight++;
    w.peakInFlight = Math.max(w.peakInFlight, w.inFlight);
    // NOTE: one setTimeout per request is the idiomatic way; node keeps all timers of one duration in one
    // list with one underlying timer, so this is already the uWS server's FIFO in spirit.
    setTimeout(() => {
      w.inFlight--;
      if (res.destroyed) w.aborted++;
      else respond(res, 200, "pong");
    }, stubMs);
  };
}
