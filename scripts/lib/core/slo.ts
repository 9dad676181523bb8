// The SLO as configs/slo.json states it, validated (the defaults of the drivers and the server); drivers apply CLI overrides.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidRun } from "./cli.ts";
import { ROOT } from "./paths.ts";

export interface Slo {
  targetRps: number;
  /** NOTE: achieved ≥ targetRps × (1 − this/100): the steady window's edges are sampled once a second,
   * so an exactly paced run measures a hair above or below its target; 1 % is the pacing accuracy. */
  rpsTolerancePct: number;
  connections: number;
  stubMs: number;
  overheadBudgetMs: number;
  durationS: number;
  percentile: number;
}

// NOTE: a Record over keyof Slo, so adding a field to Slo without validating it is a type error.
const FIELD_SET: Record<keyof Slo, true> = {
  targetRps: true,
  rpsTolerancePct: true,
  connections: true,
  stubMs: true,
  overheadBudgetMs: true,
  durationS: true,
  percentile: true,
};
const FIELDS = Object.keys(FIELD_SET) as (keyof Slo)[];

export function loadSlo(path = join(ROOT, "configs/slo.json")): Slo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new InvalidRun(`${path}: ${(e as Error).message} — fix the file or restore it from git`);
  }
  const o = raw as Record<string, unknown>;
  for (const f of FIELDS) {
    const v = o[f];
    if (
      typeof v !== "number" ||
      !Number.isFinite(v) ||
      v < 0 ||
      (f === "percentile" && (v <= 0 || v >= 100)) ||
      (f === "rpsTolerancePct" && v >= 100)
    ) {
      throw new InvalidRun(
        `${path}: "${f}" must be a non-negative number (percentile in (0, 100)), got ${JSON.stringify(v)}`,
      );
    }
  }
  return Object.fromEntries(FIELDS.map((f) => [f, o[f]])) as unknown as Slo;
}
