// The primary: ready line, exact stats fan-out (and the admin socket), open-connection sampling, bounded revival, graceful stop.
import cluster, { type Worker } from "node:cluster";
import { serveAdmin } from "./admin.ts";
import type { ToPrimary, ToWorker } from "./ipc.ts";
import type { ServerOptions } from "./options.ts";
import { preflight } from "./preflight.ts";
import { Revival } from "./revival.ts";
import type { LabStats } from "./stats.ts";
import { StatsFanOut } from "./stats-fanout.ts";
import { type Tracked, WorkerTable } from "./worker-table.ts";

// NOTE: openFds is a stat of /proc/<pid>/fd (~5 µs on Linux ≥ 6.2; a readdir at ~0.7 µs per fd before);
// once a second plus at every stats call (the load driver makes one each second).
const FD_SAMPLE_MS = 1000;
const READY_TIMEOUT_MS = 15_000;
const DRAIN_GRACE_MS = 5000;

export async function startPrimary(opts: ServerOptions): Promise<void> {
  await preflight(opts);
  const primary = new Primary(opts);
  // NOTE: before throng forks the workers, so the socket is there when the ready line is printed.
  if (opts.adminSocket) await serveAdmin(opts.adminSocket, () => primary.collect(0));
  primary.start();
}

const log = (line: string): boolean => process.stderr.write(`server: ${line}\n`);
// NOTE: a worker that exits on its own signal may close its channel before the primary has read that: isConnected()
// is still true and the write fails (EPIPE). Without a callback that is an 'error' event on the Worker, which crashed
// the primary before it reaped its workers (left as zombies for PID 1). The worker's exit still comes as "exit".
const ignoreSendError = (): void => undefined;
const post = (w: Worker, m: ToWorker): void => {
  if (w.isConnected()) w.send(m, ignoreSendError);
};

class Primary {
  private readonly startedAt = Date.now();
  private readonly table = new WorkerTable();
  private readonly revival: Revival;
  private readonly stats: StatsFanOut;
  private restarts = 0;
  private ready = false;
  private stopping = false;
  private exitCode = 0;
  private sampler: NodeJS.Timeout | undefined;

  constructor(private readonly opts: ServerOptions) {
    this.revival = new Revival(opts.maxDeaths, opts.deathWindowS);
    this.stats = new StatsFanOut(
      this.table,
      () => ({
        primaryPid: process.pid,
        nativeUws: true, // preflight and every worker refuse to run otherwise
        stubMs: opts.stubMs,
        uptimeS: (Date.now() - this.startedAt) / 1000,
        restarts: this.restarts,
      }),
      post,
    );
  }

  start(): void {
    this.sampler = setInterval(() => this.table.sample(), FD_SAMPLE_MS);
    cluster.on("fork", (w) => this.table.add(w));
    cluster.on("message", (w, m: ToPrimary) => this.onMessage(w, m));
    cluster.on("exit", (w, code, signal) => this.onExit(w, code, signal));
    process.on("SIGINT", () => this.stop("SIGINT", 0));
    process.on("SIGTERM", () => this.stop("SIGTERM", 0));
    setTimeout(
      () => this.ready || this.stop(`workers not listening after ${READY_TIMEOUT_MS / 1000} s`, 1),
      READY_TIMEOUT_MS,
    ).unref();
  }

  /** Exact totals; selfConnection 1 when asked over a worker's listener (that call holds one of its connections). */
  collect(selfConnection: 0 | 1): Promise<LabStats> {
    return this.stats.collect(selfConnection);
  }

  private onMessage(w: Worker, m: ToPrimary): void {
    const t = this.table.get(w.id);
    if (!t) return;
    if (m.t === "listening") this.onListening(t);
    else if (m.t === "paused") {
      log(`worker ${t.pid} paused accepting: ${m.fds} of ${m.limit} open files (fd guard)`);
    } else if (m.t === "resumed") {
      log(`worker ${t.pid} accepting again: ${m.fds} open files`);
    } else if (m.t === "stats-req") {
      this.collect(1).then((stats) => post(w, { t: "stats-result", id: m.id, stats }));
    } else if (m.t === "stats-res") this.stats.received(m.id, m.stats);
  }

  private onListening(t: Tracked): void {
    const n = this.table.listened(t);
    const o = this.opts;
    if (!this.ready && n >= o.workers) {
      this.ready = true;
      process.stdout.write(`ready: ${n} workers on http://${o.host}:${o.port} (stub ${o.stubMs} ms)\n`);
    } else if (this.ready) log(`replacement worker ${t.pid} listening`);
  }

  private onExit(w: Worker, code: number, signal: string): void {
    this.table.delete(w.id);
    if (this.stopping) {
      if (code !== 0 && this.exitCode === 0) this.exitCode = 1;
      if (this.table.size === 0) this.finish();
      return;
    }
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    const d = this.revival.decide(w.process.pid, code, how);
    if (!d.revive) {
      if (d.error) log(d.error);
      this.stop(d.reason, d.code);
      return;
    }
    this.restarts++;
    log(`worker ${w.process.pid} died (${how}); starting a replacement`);
    cluster.fork();
  }

  private stop(reason: string, code: number): void {
    if (this.stopping) return;
    this.stopping = true;
    this.exitCode = code;
    log(`stopping (${reason}): draining in-flight requests`);
    for (const t of this.table.all()) post(t.worker, { t: "drain" });
    setTimeout(() => {
      log("drain timed out: killing the remaining workers");
      for (const t of this.table.all()) t.worker.process.kill("SIGKILL");
      this.exitCode = this.exitCode || 1;
      this.finish();
    }, this.opts.stubMs + DRAIN_GRACE_MS).unref();
    if (this.table.size === 0) this.finish();
  }

  private finish(): void {
    clearInterval(this.sampler);
    process.exit(this.exitCode);
  }
}
