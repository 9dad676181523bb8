// Read the server's /__lab/stats (exact totals across workers) over a fresh connection.
import http from "node:http";
import type { LabStats as ServerStats } from "../../../server/stats.ts";

/** The lab server's stats; the comparison peers (server/peers/) add `impl` and may omit nativeUws. */
export type LabStats = ServerStats & { impl?: string };

// NOTE: "Connection: close" on a fresh socket: while it is being answered it is exactly one of the
// server's open connections, so "established by the load" = openConnections − 1.
export function fetchLabStats(base: string, timeoutMs = 3000): Promise<LabStats> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      `${base}/__lab/stats`,
      { agent: false, headers: { connection: "close" }, timeout: timeoutMs },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => {
          try {
            if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
            resolve(JSON.parse(body) as LabStats);
          } catch (e) {
            reject(new Error(`${base}/__lab/stats: ${(e as Error).message}`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${base}/__lab/stats: no answer in ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

export function count2xx(s: LabStats): number {
  return Object.entries(s.responses).reduce((a, [k, v]) => (k.startsWith("2") ? a + v : a), 0);
}

export function countResponses(s: LabStats): number {
  return Object.values(s.responses).reduce((a, v) => a + v, 0);
}
