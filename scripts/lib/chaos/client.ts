// A light paced keep-alive HTTP/1.1 client that records every request's fate (for chaos, where wrk can't).
import { connect, type Socket } from "node:net";

export interface LoadSpec {
  host: string;
  port: number;
  connections: number;
  /** total requests per second over all connections */
  rps: number;
  path?: string;
  timeoutMs?: number;
}

/** ok: 200 · status: another status · lost: the connection failed while the request was out · timeout */
export type Fate = "ok" | "status" | "lost" | "timeout";

export interface Done {
  sentAt: number;
  endAt: number;
  status: number;
  fate: Fate;
  /** when the connection that carried it was established */
  connAt: number;
}

interface Conn {
  sock: Socket | null;
  connAt: number;
  buf: string;
  sentAt: number; // -1: nothing outstanding
  due: number;
  fails: number;
}

const TICK_MS = 5;
const RECONNECT_MS = 50;
const MAX_BACKOFF_MS = 1000;

// NOTE: one request at a time per connection (no pipelining: uWS closes a connection that pipelines behind
// a pending response); a slot that finds its previous request still out is skipped and counted late.
/** Paced load on a server: every connection opened, then sending; stop() it before reading load.done. */
export async function pacedLoad(
  srv: { host: string; port: number },
  connections: number,
  rps: number,
): Promise<PacedLoad> {
  const load = new PacedLoad({ host: srv.host, port: srv.port, connections, rps });
  await load.open();
  load.start();
  return load;
}

export class PacedLoad {
  readonly done: Done[] = [];
  readonly connects: number[] = [];
  connectFails = 0;
  idleCloses = 0;
  late = 0;
  private readonly conns: Conn[];
  private readonly intervalMs: number;
  private readonly request: string;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly spec: LoadSpec) {
    this.intervalMs = (spec.connections / spec.rps) * 1000;
    this.request = `GET ${spec.path ?? "/ping"} HTTP/1.1\r\nHost: ${spec.host}\r\n\r\n`;
    const t0 = performance.now();
    this.conns = Array.from({ length: spec.connections }, () => ({
      sock: null,
      connAt: 0,
      buf: "",
      sentAt: -1,
      due: t0 + Math.random() * this.intervalMs,
      fails: 0,
    }));
  }

  /** Connect every connection (at most `batch` handshakes at a time); resolves when each succeeded or failed once. */
  async open(batch = 250): Promise<void> {
    for (let i = 0; i < this.conns.length; i += batch) {
      await Promise.all(this.conns.slice(i, i + batch).map((c) => this.dial(c)));
    }
  }

  /** Start sending on schedule (slots are phased over one interval from now). */
  start(): void {
    const t0 = performance.now();
    for (const c of this.conns) c.due = t0 + Math.random() * this.intervalMs;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stop sending; wait until nothing is outstanding (or maxMs); then close every connection. */
  async stop(maxMs = 3000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const until = performance.now() + maxMs;
    while (this.inFlight() > 0 && performance.now() < until) {
      this.expire(performance.now());
      await new Promise((r) => setTimeout(r, 10));
    }
    this.closed = true;
    for (const c of this.conns) c.sock?.destroy();
  }

  inFlight(): number {
    return this.conns.reduce((a, c) => a + (c.sentAt >= 0 ? 1 : 0), 0);
  }

  /** connections established now */
  established(): number {
    return this.conns.reduce((a, c) => a + (c.sock && c.connAt > 0 ? 1 : 0), 0);
  }

  private dial(c: Conn): Promise<void> {
    return new Promise((resolve) => {
      const s = connect({ host: this.spec.host, port: this.spec.port });
      c.sock = s;
      c.connAt = 0;
      c.buf = "";
      s.setNoDelay(true);
      s.once("connect", () => {
        c.connAt = performance.now();
        c.fails = 0;
        this.connects.push(c.connAt);
        resolve();
      });
      s.on("data", (d: Buffer) => this.onData(c, d));
      s.on("error", () => {});
      s.once("close", () => {
        if (c.sock !== s || this.closed) return resolve();
        if (c.connAt === 0) {
          this.connectFails++;
          c.fails++;
        } else if (c.sentAt >= 0) this.finish(c, 0, "lost");
        else this.idleCloses++;
        c.sock = null;
        resolve();
        const wait = Math.min(MAX_BACKOFF_MS, RECONNECT_MS * 2 ** Math.min(c.fails, 5));
        setTimeout(() => !this.closed && !c.sock && this.dial(c), c.fails > 0 ? wait : RECONNECT_MS);
      });
    });
  }

  private onData(c: Conn, d: Buffer): void {
    c.buf += d.toString("latin1");
    for (;;) {
      const end = c.buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = c.buf.slice(0, end);
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (c.buf.length < end + 4 + len) return;
      c.buf = c.buf.slice(end + 4 + len);
      const status = Number(head.slice(9, 12));
      if (c.sentAt >= 0) this.finish(c, status, status === 200 ? "ok" : "status");
    }
  }

  private finish(c: Conn, status: number, fate: Fate): void {
    this.done.push({ sentAt: c.sentAt, endAt: performance.now(), status, fate, connAt: c.connAt });
    c.sentAt = -1;
  }

  private expire(now: number): void {
    const timeout = this.spec.timeoutMs ?? 2000;
    for (const c of this.conns) {
      if (c.sentAt >= 0 && now - c.sentAt > timeout) {
        this.finish(c, 0, "timeout");
        c.sock?.destroy();
      }
    }
  }

  private tick(): void {
    const now = performance.now();
    this.expire(now);
    for (const c of this.conns) {
      if (c.due > now) continue;
      c.due += this.intervalMs;
      if (c.due < now) c.due = now + this.intervalMs; // NOTE: a stalled loop skips slots, never bursts them
      if (!c.sock || c.connAt === 0) continue;
      if (c.sentAt >= 0) {
        this.late++;
        continue;
      }
      c.sentAt = now;
      c.sock.write(this.request);
    }
  }
}

export interface Summary {
  sent: number;
  ok: number;
  statuses: Record<string, number>;
  lost: number;
  timeout: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Fates and latency percentiles (of the 200s) of the requests `keep` selects. */
export function summarize(done: readonly Done[], keep: (d: Done) => boolean = () => true): Summary {
  const sel = done.filter(keep);
  const lat = sel
    .filter((d) => d.fate === "ok")
    .map((d) => d.endAt - d.sentAt)
    .sort((a, b) => a - b);
  const pct = (p: number): number => lat[Math.min(lat.length - 1, Math.floor((lat.length * p) / 100))] ?? 0;
  const statuses: Record<string, number> = {};
  for (const d of sel) if (d.fate === "status") statuses[d.status] = (statuses[d.status] ?? 0) + 1;
  return {
    sent: sel.length,
    ok: lat.length,
    statuses,
    lost: sel.filter((d) => d.fate === "lost").length,
    timeout: sel.filter((d) => d.fate === "timeout").length,
    p50Ms: pct(50),
    p99Ms: pct(99),
    maxMs: lat[lat.length - 1] ?? 0,
  };
}
