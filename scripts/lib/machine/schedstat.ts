// Run-queue wait of a changing group of processes: every thread's /proc/<pid>/task/<tid>/schedstat, summed.
import { readdirSync } from "node:fs";
import { readText } from "./proc.ts";

/** Cumulative since the first sample: time on CPU and waiting on a run queue (µs), over every thread seen. */
export interface SchedTotals {
  runUs: number;
  waitUs: number;
  threads: number;
}

/** One thread's schedstat: "<ns on cpu> <ns waiting on a runqueue> <timeslices>", null when gone. */
export function threadSchedstat(pid: number, tid: number): { runNs: number; waitNs: number } | null {
  const f = readText(`/proc/${pid}/task/${tid}/schedstat`)?.trim().split(/\s+/).map(Number);
  if (!f || f.length < 2 || !f.every(Number.isFinite)) return null;
  return { runNs: f[0] ?? 0, waitNs: f[1] ?? 0 };
}

function tidsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/**
 * NOTE: like CpuSampler, a thread counts from its first sample to its last: one that exits between samples loses
 * its last interval. Keyed by tid; a recycled tid within one run is not worth guarding against at 1 s cadence.
 */
export class SchedSampler {
  private prev = new Map<number, { runNs: number; waitNs: number }>();
  private totals: SchedTotals = { runUs: 0, waitUs: 0, threads: 0 };

  /** `mainOnly`: each process's main thread alone (a node event loop; not V8's and libuv's helper threads) */
  constructor(
    private readonly pids: () => readonly number[],
    private readonly mainOnly = false,
  ) {}

  sample(): SchedTotals {
    const cur = new Map<number, { runNs: number; waitNs: number }>();
    for (const pid of new Set(this.pids()))
      for (const tid of this.mainOnly ? [pid] : tidsOf(pid)) {
        const s = threadSchedstat(pid, tid);
        if (s) cur.set(tid, s);
      }
    for (const [tid, s] of cur) {
      const p = this.prev.get(tid);
      if (!p || s.runNs < p.runNs || s.waitNs < p.waitNs) continue;
      this.totals.runUs += (s.runNs - p.runNs) / 1000;
      this.totals.waitUs += (s.waitNs - p.waitNs) / 1000;
    }
    this.prev = cur;
    this.totals.threads = cur.size;
    return { ...this.totals };
  }
}
