// capacity.json: the notes for machines — regimes and cells, the model's coefficients, plan rows and its check.
import type { Spread } from "../core/median.ts";
import type { Notes } from "./notes-build.ts";
import type { CellSummary } from "./notes-data.ts";

export const CAPACITY_SCHEMA = "capacity/1";

// NOTE: NaN and ±Infinity have no JSON form (JSON.stringify writes null): they are written as null on purpose.
const spreadJson = (s: Spread) => ({ n: s.n, median: s.median, min: s.min, max: s.max });

function cellJson(c: CellSummary) {
  return {
    workers: c.workers,
    connections: c.connections,
    mode: c.mode,
    targetRps: c.targetRps,
    n: c.runs.length,
    passes: c.passes,
    pass: c.pass,
    dirty: c.dirty,
    rps: spreadJson(c.rps),
    p99Us: spreadJson(c.p99Us),
    serverUsPerRequest: spreadJson(c.serverUs),
    generatorUsPerRequest: spreadJson(c.generatorUs),
    serverCores: spreadJson(c.serverCores),
    rssBytes: spreadJson(c.rssBytes),
    bounds: c.bounds,
    failedRules: c.failedRules,
    runs: c.runs.map((r) => r.id),
  };
}

/** Deterministic: the same results give the same bytes (no clock; keys in a fixed order). */
export function capacityJson(x: Notes): string {
  const doc = {
    schema: CAPACITY_SCHEMA,
    resultsDir: x.resultsDir,
    newestRun: x.newest,
    stubMs: x.sel.stubMs,
    budgetMs: x.sel.budgetMs,
    runs: x.sel.runs.length,
    groups: x.groups.map((g) => ({
      name: g.name,
      key: g.regime.key,
      placement: g.regime.placementLabel,
      tuning: g.regime.tuningLabel,
      machine: g.regime.machineLabel,
      placed: g.regime.placed,
      runs: g.runs.length,
      dirty: g.dirty,
      cells: g.cells.map(cellJson),
    })),
    model: x.coeffs,
    plans: x.plans,
    validation: x.validation,
  };
  return `${JSON.stringify(doc, null, 1)}\n`;
}
