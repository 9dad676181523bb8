// A worker's side of the stats: its own counters for the primary, and lab-wide totals asked of the primary.

import type { FdGuard } from "./fd-guard.ts";
import type { ToPrimary } from "./ipc.ts";
import type { Counters, LabStats, WorkerStats } from "./stats.ts";

const STATS_TIMEOUT_MS = 2000;

/** This worker's counters as the primary sums them. */
export function snapshot(id: number, c: Counters, guard: FdGuard, limit: number): WorkerStats {
  return {
    id,
    pid: process.pid,
    requests: c.requests,
    responses: { ...c.responses },
    aborted: c.aborted,
    inFlight: c.inFlight,
    peakInFlight: c.peakInFlight,
    openConnections: 0, // filled in by the primary from /proc/<pid>/fd
    peakOpenConnections: 0,
    fds: guard.fds,
    fdLimit: Number.isFinite(limit) ? limit : null,
    paused: guard.paused,
    listenerPauses: guard.pauses,
    stubLate: c.late.sparse(),
    beforeHandler: c.beforeHandler.sparse(),
    checks: c.checks,
  };
}

/** Calls to the primary for the exact totals across workers (/__lab/stats), each answered or failed in 2 s. */
export class PrimaryStats {
  private next = 0;
  private readonly calls = new Map<number, (s: LabStats) => void>();

  constructor(private readonly send: (m: ToPrimary) => void) {}

  ask(): Promise<LabStats> {
    return new Promise((resolve, reject) => {
      const call = ++this.next;
      this.calls.set(call, resolve);
      this.send({ t: "stats-req", id: call });
      setTimeout(
        () => this.calls.delete(call) && reject(new Error("primary did not answer")),
        STATS_TIMEOUT_MS,
      ).unref();
    });
  }

  answered(id: number, stats: LabStats): void {
    this.calls.get(id)?.(stats);
    this.calls.delete(id);
  }
}
