// Raw-socket probes for chaos: one payload and what came back, many held connections, one GET on a socket.
import { connect, type Socket } from "node:net";

export interface Exchange {
  /** status codes of every response seen, in order */
  statuses: number[];
  /** ms from connect until the server closed (null: still open at the deadline) */
  closedAfterMs: number | null;
  error: string | null;
}

const STATUS = /HTTP\/1\.[01] (\d{3}) /g;

/** Send `payload` on a fresh connection (a function may write it over time) and watch until close or waitMs. */
export function exchange(
  host: string,
  port: number,
  payload: string | Buffer | ((s: Socket) => () => void),
  waitMs: number,
): Promise<Exchange> {
  return new Promise((resolve) => {
    let got = "";
    let t0 = performance.now();
    let error: string | null = null;
    let stopWriting: () => void = () => {};
    const s = connect({ host, port }, () => {
      t0 = performance.now();
      if (typeof payload === "function") stopWriting = payload(s);
      else s.write(payload);
    });
    const result = (closed: boolean): Exchange => ({
      statuses: [...got.matchAll(STATUS)].map((m) => Number(m[1])),
      closedAfterMs: closed ? performance.now() - t0 : null,
      error,
    });
    s.on("data", (d: Buffer) => {
      got += d.toString("latin1");
    });
    s.on("error", (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    const timer = setTimeout(() => {
      stopWriting();
      s.removeAllListeners("close");
      s.destroy();
      resolve(result(false));
    }, waitMs);
    s.once("close", () => {
      clearTimeout(timer);
      stopWriting();
      resolve(result(true));
    });
  });
}

export interface Held {
  sockets: Socket[];
  /** connect errors by code (ECONNREFUSED, ECONNRESET, ETIMEDOUT …) */
  failed: Record<string, number>;
}

/** Open n connections, `batch` handshakes at a time; failures are counted, not retried. */
export async function openMany(
  host: string,
  port: number,
  n: number,
  batch = 500,
  timeoutMs = 3000,
): Promise<Held> {
  const held: Held = { sockets: [], failed: {} };
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const s = connect({ host, port });
      const fail = (code: string): void => {
        held.failed[code] = (held.failed[code] ?? 0) + 1;
        s.destroy();
        resolve();
      };
      const timer = setTimeout(() => fail("ETIMEDOUT"), timeoutMs);
      s.once("connect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        s.on("error", () => {});
        held.sockets.push(s);
        resolve();
      });
      s.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        fail(e.code ?? "error");
      });
    });
  for (let i = 0; i < n; i += batch) await Promise.all(Array.from({ length: Math.min(batch, n - i) }, one));
  return held;
}

/** One GET on an open socket: its status, or 0 when the socket closed, failed or timed out first. */
export function getOn(s: Socket, path: string, timeoutMs = 3000): Promise<number> {
  return new Promise((resolve) => {
    if (s.destroyed || !s.writable) return resolve(0);
    let got = "";
    const done = (status: number): void => {
      clearTimeout(timer);
      s.off("data", onData);
      s.off("close", onClose);
      resolve(status);
    };
    const onData = (d: Buffer): void => {
      got += d.toString("latin1");
      const end = got.indexOf("\r\n\r\n");
      if (end < 0) return;
      const len = Number(/\r\ncontent-length: *(\d+)/i.exec(got.slice(0, end))?.[1] ?? 0);
      if (got.length >= end + 4 + len) done(Number(got.slice(9, 12)));
    };
    const onClose = (): void => done(0);
    const timer = setTimeout(() => done(0), timeoutMs);
    s.on("data", onData);
    s.once("close", onClose);
    s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

/** Status of one GET on a fresh connection (0 on failure). */
export async function getOnce(host: string, port: number, path: string, timeoutMs = 3000): Promise<number> {
  const { sockets } = await openMany(host, port, 1, 1, timeoutMs);
  const s = sockets[0];
  if (!s) return 0;
  try {
    return await getOn(s, path, timeoutMs);
  } finally {
    s.destroy();
  }
}
