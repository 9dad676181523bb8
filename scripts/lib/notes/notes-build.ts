// Capacity notes, the model of the text: regimes and their cells, the planning coefficients, plan rows and checks.
import type { Mode, ResultRecord } from "../contract/record.ts";
import type { Slo } from "../core/slo.ts";
import { type Coefficients, coefficients } from "../model/model-coefficients.ts";
import { PLAN_RPS, type Plan, plan, TARGET_UTILISATION } from "../model/model-plan.ts";
import { type ValidationRow, validationRows } from "../model/model-validate.ts";
import type { LoadedResult } from "../results/run-dir.ts";
import { type CellSummary, cellsOf, type Selection, selectRuns } from "./notes-data.ts";
import { chartGroup, groupName, groupRuns, type RunGroup } from "./notes-groups.ts";

/** A cell a sweep recorded as impossible here (sweep/sweep-skipped.ts reads them from the sweeps' state). */
export interface SkippedCell {
  sweep: string;
  workers: number;
  connections: number;
  mode: Mode;
  reason: string;
}

export interface GroupView extends RunGroup {
  /** "group A": how the other sections refer to it */
  name: string;
  cells: CellSummary[];
}

export interface Notes {
  resultsDir: string;
  sel: Selection;
  /** startedAt of the newest selected run (else of any run): the notes' time, never the clock */
  newest: string | null;
  groups: GroupView[];
  chart: GroupView | undefined;
  skipped: SkippedCell[];
  coeffs: Coefficients;
  /** the lab's question and its multiples: 20k, 50k, 100k RPS over the SLO's connections */
  plans: Plan[];
  validation: ValidationRow[];
  slo: Slo;
}

const newestOf = (rs: ResultRecord[]): string | null =>
  rs.reduce<string | null>((a, r) => (a === null || r.startedAt > a ? r.startedAt : a), null);

export function buildNotes(
  loaded: LoadedResult[],
  o: { resultsDir: string; stubMs?: number; skipped: SkippedCell[]; slo: Slo },
): Notes {
  const sel = selectRuns(loaded, o.stubMs);
  const groups = groupRuns(sel.runs).map((g, i) => ({ ...g, name: groupName(i), cells: cellsOf(g.runs) }));
  const coeffs = coefficients(sel.runs, TARGET_UTILISATION);
  const p99Ms = sel.stubMs + sel.budgetMs;
  const plans = PLAN_RPS.map((targetRps) =>
    plan(
      {
        targetRps,
        // NOTE: never fewer connections than the rate needs at this stub (one request in flight each)
        connections: Math.max(o.slo.connections, Math.ceil((targetRps * sel.stubMs) / 1000)),
        stubMs: sel.stubMs,
        p99Ms,
        handlerUs: 0,
      },
      coeffs,
    ),
  );
  return {
    resultsDir: o.resultsDir,
    sel,
    newest: newestOf(sel.runs) ?? newestOf(loaded.map((l) => l.record)),
    groups,
    chart: chartGroup(groups),
    skipped: o.skipped,
    coeffs,
    plans: sel.runs.length > 0 ? plans : [],
    // NOTE: the one-host model is validated against one-host groups: a fleet's is checked by make plan CHECK=.
    validation: validationRows(
      groups
        .filter((g) => g.regime.kind !== "fleet")
        .map((g) => ({ name: g.name, placed: g.regime.placed, cells: g.cells })),
      coeffs,
    ),
    slo: o.slo,
  };
}
