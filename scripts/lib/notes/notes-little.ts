// Capacity notes, Little's law check: requests in flight (steady RPS × mean latency) against connections.
import type { ResultRecord } from "../contract/record.ts";

export interface LittleRow {
  id: string;
  workers: number;
  connections: number;
  rps: number;
  meanUs: number;
  /** requests in flight by Little's law: rps × mean latency */
  inFlight: number;
  ratio: number;
}

/** NOTE: only saturate runs: in a closed loop every connection always has one request out, so L ≈ connections. */
export function littleRows(runs: ResultRecord[]): LittleRow[] {
  return runs
    .filter((r) => r.load.mode === "saturate")
    .map((r) => {
      const m = r.measurements;
      const inFlight = m.rps * (m.latencyUs.mean / 1e6);
      return {
        id: r.id,
        workers: r.server.workers,
        connections: r.load.connections,
        rps: m.rps,
        meanUs: m.latencyUs.mean,
        inFlight,
        ratio: inFlight / r.load.connections,
      };
    })
    .sort((a, b) => a.workers - b.workers || a.connections - b.connections || a.id.localeCompare(b.id));
}
