// The primary's exact stats: ask every listening worker for its counters and sum the answers (or those within 1 s).
import type { Worker } from "node:cluster";
import type { ToWorker } from "./ipc.ts";
import { type LabStats, sumWorkers, type WorkerStats } from "./stats.ts";
import type { WorkerTable } from "./worker-table.ts";

const COLLECT_TIMEOUT_MS = 1000;

/** The primary's own fields of LabStats (peakOpenConnections comes from the worker table). */
export type PrimaryFields = Pick<LabStats, "primaryPid" | "nativeUws" | "stubMs" | "uptimeS" | "restarts">;

export class StatsFanOut {
  private next = 0;
  private readonly collecting = new Map<number, { got: WorkerStats[]; want: number; done: () => void }>();

  constructor(
    private readonly table: WorkerTable,
    private readonly fields: () => PrimaryFields,
    private readonly post: (w: Worker, m: ToWorker) => void,
  ) {}

  collect(selfConnection: 0 | 1): Promise<LabStats> {
    return new Promise((resolve) => {
      this.table.sample();
      const live = this.table.all().filter((t) => t.listening && t.worker.isConnected());
      const id = ++this.next;
      const got: WorkerStats[] = [];
      const done = (): void => {
        if (!this.collecting.delete(id)) return;
        resolve(this.sum(got, selfConnection));
      };
      this.collecting.set(id, { got, want: live.length, done });
      for (const t of live) this.post(t.worker, { t: "stats-collect", id });
      setTimeout(done, COLLECT_TIMEOUT_MS).unref();
      if (live.length === 0) done();
    });
  }

  /** A worker's answer to collect call `id`. */
  received(id: number, stats: WorkerStats): void {
    const c = this.collecting.get(id);
    if (!c) return;
    c.got.push(stats);
    if (c.got.length >= c.want) c.done();
  }

  private sum(got: WorkerStats[], selfConnection: 0 | 1): LabStats {
    for (const s of got) {
      const t = this.table.byPid(s.pid);
      s.openConnections = t?.openConnections ?? 0;
      s.peakOpenConnections = t?.peakOpenConnections ?? 0;
    }
    got.sort((a, b) => a.id - b.id);
    return sumWorkers(got, {
      ...this.fields(),
      selfConnection,
      peakOpenConnections: this.table.peakOpenTotal,
    });
  }
}
