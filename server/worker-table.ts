// The primary's table of workers, with their open connections sampled from /proc/<pid>/fd.
import type { Worker } from "node:cluster";
import { openFds } from "./fd-guard.ts";

export interface Tracked {
  worker: Worker;
  pid: number;
  listening: boolean;
  baselineFds: number;
  openConnections: number;
  peakOpenConnections: number;
}

export class WorkerTable {
  private readonly byId = new Map<number, Tracked>(); // by cluster worker id
  /** peak of the summed open connections over the samples */
  peakOpenTotal = 0;

  add(w: Worker): void {
    this.byId.set(w.id, {
      worker: w,
      pid: w.process.pid ?? 0,
      listening: false,
      baselineFds: 0,
      openConnections: 0,
      peakOpenConnections: 0,
    });
  }

  get(id: number): Tracked | undefined {
    return this.byId.get(id);
  }

  delete(id: number): void {
    this.byId.delete(id);
  }

  get size(): number {
    return this.byId.size;
  }

  all(): Tracked[] {
    return [...this.byId.values()];
  }

  byPid(pid: number): Tracked | undefined {
    return this.all().find((x) => x.pid === pid);
  }

  /** A worker listens: its open fds now are the baseline above which connections count. Returns how many listen. */
  listened(t: Tracked): number {
    t.listening = true;
    t.baselineFds = openFds(t.pid) ?? 0;
    return this.all().filter((x) => x.listening).length;
  }

  // NOTE: uWS has no HTTP connection events in this build, so open connections are counted from the
  // worker's /proc/<pid>/fd above its post-listen baseline — here, off the workers' event loops.
  sample(): void {
    let total = 0;
    for (const t of this.byId.values()) {
      if (!t.listening) continue;
      const n = openFds(t.pid);
      if (n === null) continue;
      t.openConnections = Math.max(0, n - t.baselineFds);
      t.peakOpenConnections = Math.max(t.peakOpenConnections, t.openConnections);
      total += t.openConnections;
    }
    this.peakOpenTotal = Math.max(this.peakOpenTotal, total);
  }
}
