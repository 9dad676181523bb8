// What a sweep's report page draws: planning computes it, report renders it, and neither imports the other.
import type { TopLevelSpec } from "vega-lite";
import type { ResultRecord } from "./record.ts";

/** The sweep's rows, its finished runs' records, the capacity charts' specs (null: no finished run yet). */
export interface SweepPageInput {
  name: string;
  settingsLine: string;
  cellCount: number;
  updatedAt: string;
  resultsDir: string;
  head: readonly string[];
  rows: { cells: string[]; runs: string[] }[];
  records: ResultRecord[];
  charts: { rpsVsConnections: TopLevelSpec; p99VsRps: TopLevelSpec } | null;
}
