// Read the server's /__lab/stats (exact totals across workers) over a fresh connection, TCP or admin socket.
import http from "node:http";
import type { LabStats as ServerStats } from "../../../server/stats.ts";

/** The lab server's stats; the comparison peers (server/peers/) add `impl` and may omit nativeUws. */
export type LabStats = ServerStats & { impl?: string };

/** `unix:/path/to.sock` (the server's --admin-socket) → the socket path; an http:// base → null. */
export function adminSocketOf(base: string): string | null {
  return base.startsWith("unix:") ? base.slice("unix:".length) : null;
}

// NOTE: "Connection: close" on a fresh socket: over TCP, while it is being answered it is exactly one of
// the server's open connections (selfConnection 1); over the admin socket it is none of them (0).
/** base: `http://host:port` (the main listener; loopback only) or `unix:/path` (the primary's --admin-socket). */
export function fetchLabStats(base: string, timeoutMs = 3000): Promise<LabStats> {
  const socketPath = adminSocketOf(base);
  const where = socketPath === null ? `${base}/__lab/stats` : `${base} /__lab/stats`;
  const opts = { agent: false, headers: { connection: "close" }, timeout: timeoutMs };
  return new Promise((resolve, reject) => {
    const onRes = (res: http.IncomingMessage): void => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => {
        try {
          if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
          resolve(JSON.parse(body) as LabStats);
        } catch (e) {
          reject(new Error(`${where}: ${(e as Error).message}`));
        }
      });
    };
    const req =
      socketPath === null
        ? http.get(`${base}/__lab/stats`, opts, onRes)
        : http.get({ ...opts, socketPath, path: "/__lab/stats" }, onRes);
    req.on("timeout", () => req.destroy(new Error(`${where}: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/** Connections the load holds: open minus the stats call's own, when it was counted (peers: always). */
export function loadConnections(s: LabStats): number {
  return Math.max(0, s.openConnections - (s.selfConnection ?? 1));
}

export function count2xx(s: LabStats): number {
  return Object.entries(s.responses).reduce((a, [k, v]) => (k.startsWith("2") ? a + v : a), 0);
}

export function countResponses(s: LabStats): number {
  return Object.values(s.responses).reduce((a, v) => a + v, 0);
}
