// The planning model checked against the measurements: for each measured cell, predicted vs measured CPU and RSS.
import type { Mode } from "../contract/record.ts";
import { median, type Spread } from "../core/median.ts";
import type { Coefficients } from "./model-coefficients.ts";

/** What the check needs of a measured cell (the notes' CellSummary, notes/notes-data.ts, has it). */
export interface MeasuredCell {
  workers: number;
  connections: number;
  mode: Mode;
  runs: readonly unknown[];
  rps: Spread;
  serverCores: Spread;
  rssBytes: Spread;
}

export interface Check {
  predicted: number;
  measured: number;
  /** (predicted − measured) ÷ measured, % */
  errorPct: number;
}

export interface ValidationRow {
  group: string;
  placed: boolean;
  workers: number;
  connections: number;
  mode: Mode;
  n: number;
  rps: number;
  /** server cores at the cell's median steady RPS × the mode's µs per request, against the measured median */
  cpu: Check;
  /** (workers + 1) × per-process + connections × per-connection, against the measured median peak RSS */
  rss: Check;
}

export const check = (predicted: number, measured: number): Check => ({
  predicted,
  measured,
  errorPct: measured > 0 ? ((predicted - measured) / measured) * 100 : Number.NaN,
});

export function validationRows(
  groups: { name: string; placed: boolean; cells: MeasuredCell[] }[],
  k: Coefficients,
): ValidationRow[] {
  return groups.flatMap((g) =>
    g.cells.map((c) => ({
      group: g.name,
      placed: g.placed,
      workers: c.workers,
      connections: c.connections,
      mode: c.mode,
      n: c.runs.length,
      rps: c.rps.median,
      cpu: check((c.rps.median * k.serverUs[c.mode].value) / 1e6, c.serverCores.median),
      rss: check(
        (c.workers + 1) * k.rssPerProcessBytes.value + c.connections * k.rssPerConnectionBytes.value,
        c.rssBytes.median,
      ),
    })),
  );
}

/** Median |error| of CPU and RSS over the rows (NaN when none): the model's typical miss. */
export function typicalError(rows: ValidationRow[]): { cpuPct: number; rssPct: number; n: number } {
  const abs = (xs: number[]) => median(xs.filter(Number.isFinite).map(Math.abs));
  return {
    cpuPct: abs(rows.map((r) => r.cpu.errorPct)),
    rssPct: abs(rows.map((r) => r.rss.errorPct)),
    n: rows.length,
  };
}
