// Messages between the primary and its workers over the cluster IPC channel.
import type { LabStats, WorkerStats } from "./stats.ts";

export type ToPrimary =
  | { t: "listening" }
  | { t: "paused"; fds: number; limit: number }
  | { t: "resumed"; fds: number }
  | { t: "stats-req"; id: number }
  | { t: "stats-res"; id: number; stats: WorkerStats };

export type ToWorker =
  | { t: "stats-collect"; id: number }
  | { t: "stats-result"; id: number; stats: LabStats }
  | { t: "drain" };
