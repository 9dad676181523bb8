// The primary: ready line, exact stats fan-out, open-connection sampling, bounded revival, graceful stop.
import cluster, { type Worker } from "node:cluster";
import { openFds } from "./fd-guard.ts";
import type { ToPrimary, ToWorker } from "./ipc.ts";
import type { ServerOptions } from "./options.ts";
import { preflight } from "./preflight.ts";
import { type LabStats, sumWorkers, type WorkerStats } from "./stats.ts";

const COLLECT_TIMEOUT_MS = 1000;
// NOTE: openFds is a stat of /proc/<pid>/fd (~5 µs on Linux ≥ 6.2; a readdir at ~0.7 µs per fd before);
// once a second plus at every stats call (the load driver makes one each second).
const FD_SAMPLE_MS = 1000;
const READY_TIMEOUT_MS = 15_000;
const DRAIN_GRACE_MS = 5000;

interface Tracked {
  worker: Worker;
  pid: number;
  listening: boolean;
  baselineFds: number;
  openConnections: number;
  peakOpenConnections: number;
}

export async function startPrimary(opts: ServerOptions): Promise<void> {
  await preflight(opts);
  const startedAt = Date.now();
  const tracked = new Map<number, Tracked>(); // by cluster worker id
  const deaths: number[] = [];
  let restarts = 0;
  let ready = false;
  let stopping = false;
  let exitCode = 0;
  let peakOpenTotal = 0;

  const log = (line: string): boolean => process.stderr.write(`server: ${line}\n`);
  const post = (w: Worker, m: ToWorker): void => {
    if (w.isConnected()) w.send(m);
  };

  // NOTE: uWS has no HTTP connection events in this build, so open connections are counted from the
  // worker's /proc/<pid>/fd above its post-listen baseline — here, off the workers' event loops.
  const sampleFds = (): void => {
    let total = 0;
    for (const t of tracked.values()) {
      if (!t.listening) continue;
      const n = openFds(t.pid);
      if (n === null) continue;
      t.openConnections = Math.max(0, n - t.baselineFds);
      t.peakOpenConnections = Math.max(t.peakOpenConnections, t.openConnections);
      total += t.openConnections;
    }
    peakOpenTotal = Math.max(peakOpenTotal, total);
  };
  const sampler = setInterval(sampleFds, FD_SAMPLE_MS);

  let nextCollect = 0;
  const collecting = new Map<number, { got: WorkerStats[]; want: number; done: () => void }>();
  const collect = (): Promise<LabStats> =>
    new Promise((resolve) => {
      sampleFds();
      const live = [...tracked.values()].filter((t) => t.listening && t.worker.isConnected());
      const id = ++nextCollect;
      const got: WorkerStats[] = [];
      const done = (): void => {
        if (!collecting.delete(id)) return;
        for (const s of got) {
          const t = [...tracked.values()].find((x) => x.pid === s.pid);
          s.openConnections = t?.openConnections ?? 0;
          s.peakOpenConnections = t?.peakOpenConnections ?? 0;
        }
        got.sort((a, b) => a.id - b.id);
        resolve(
          sumWorkers(got, {
            primaryPid: process.pid,
            nativeUws: true, // preflight and every worker refuse to run otherwise
            stubMs: opts.stubMs,
            uptimeS: (Date.now() - startedAt) / 1000,
            restarts,
            peakOpenConnections: peakOpenTotal,
          }),
        );
      };
      collecting.set(id, { got, want: live.length, done });
      for (const t of live) post(t.worker, { t: "stats-collect", id });
      setTimeout(done, COLLECT_TIMEOUT_MS).unref();
      if (live.length === 0) done();
    });

  const finish = (): void => {
    clearInterval(sampler);
    process.exit(exitCode);
  };

  const stop = (reason: string, code: number): void => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    log(`stopping (${reason}): draining in-flight requests`);
    for (const t of tracked.values()) post(t.worker, { t: "drain" });
    setTimeout(() => {
      log("drain timed out: killing the remaining workers");
      for (const t of tracked.values()) t.worker.process.kill("SIGKILL");
      exitCode = exitCode || 1;
      finish();
    }, opts.stubMs + DRAIN_GRACE_MS).unref();
    if (tracked.size === 0) finish();
  };

  cluster.on("fork", (w) => {
    tracked.set(w.id, {
      worker: w,
      pid: w.process.pid ?? 0,
      listening: false,
      baselineFds: 0,
      openConnections: 0,
      peakOpenConnections: 0,
    });
  });

  cluster.on("message", (w, m: ToPrimary) => {
    const t = tracked.get(w.id);
    if (!t) return;
    if (m.t === "listening") {
      t.listening = true;
      t.baselineFds = openFds(t.pid) ?? 0;
      const n = [...tracked.values()].filter((x) => x.listening).length;
      if (!ready && n >= opts.workers) {
        ready = true;
        process.stdout.write(
          `ready: ${n} workers on http://${opts.host}:${opts.port} (stub ${opts.stubMs} ms)\n`,
        );
      } else if (ready) log(`replacement worker ${t.pid} listening`);
    } else if (m.t === "paused") {
      log(`worker ${t.pid} paused accepting: ${m.fds} of ${m.limit} open files (fd guard)`);
    } else if (m.t === "resumed") {
      log(`worker ${t.pid} accepting again: ${m.fds} open files`);
    } else if (m.t === "stats-req") {
      collect().then((stats) => post(w, { t: "stats-result", id: m.id, stats }));
    } else if (m.t === "stats-res") {
      const c = collecting.get(m.id);
      if (!c) return;
      c.got.push(m.stats);
      if (c.got.length >= c.want) c.done();
    }
  });

  cluster.on("exit", (w, code, signal) => {
    tracked.delete(w.id);
    if (stopping) {
      if (code !== 0 && exitCode === 0) exitCode = 1;
      if (tracked.size === 0) finish();
      return;
    }
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    // NOTE: exit 2 is a worker refusing its environment (no native uWS, cannot listen): retrying is futile.
    if (code === 2) return stop(`worker ${w.process.pid} refused to start (${how})`, 2);
    const now = Date.now();
    deaths.push(now);
    while ((deaths[0] ?? now) < now - opts.deathWindowS * 1000) deaths.shift();
    if (deaths.length > opts.maxDeaths) {
      log(`error: crash loop: ${deaths.length} worker deaths in ${opts.deathWindowS} s (last: ${how})`);
      return stop("crash loop", 1);
    }
    restarts++;
    log(`worker ${w.process.pid} died (${how}); starting a replacement`);
    cluster.fork();
  });

  process.on("SIGINT", () => stop("SIGINT", 0));
  process.on("SIGTERM", () => stop("SIGTERM", 0));
  setTimeout(
    () => ready || stop(`workers not listening after ${READY_TIMEOUT_MS / 1000} s`, 1),
    READY_TIMEOUT_MS,
  ).unref();
}
