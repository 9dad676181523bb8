// The load generator's capacity: wrk CPU per request by mode (measured here), and whether a plan fits its CPUs.
import type { Mode } from "../contract/record.ts";

// NOTE: measured on this machine, wrk 4.1 pinned to one CPU (docs/generator.md): paced 47–66 µs per request
// (47 at 20k RPS over 20k connections), saturate ≈ 13 µs. Paced costs more because wrk's event loop walks its
// whole timer list, reading the clock for each pending delay() timer, every time a timer fires.
export const WRK_US_PER_REQUEST: Record<Mode, number> = { paced: 50, saturate: 13 };

/** A side is saturated (and is the bound) at this share of its CPUs: the contract's 90 %. */
const SATURATED = 0.9;

export interface GeneratorFit {
  /** requests/s the plan asks of the generator (saturate: the Little ceiling connections / stub) */
  rps: number;
  /** CPUs wrk burns at that rate */
  cpusNeeded: number;
  cpusGiven: number;
  /** ok: under 90 % of its CPUs; edge: it fits but will read as generator-bound; over: it cannot keep up */
  fit: "ok" | "edge" | "over";
}

export function generatorFit(mode: Mode, rps: number, cpusGiven: number): GeneratorFit {
  const cpusNeeded = (rps * WRK_US_PER_REQUEST[mode]) / 1e6;
  const fit = cpusNeeded > cpusGiven ? "over" : cpusNeeded > SATURATED * cpusGiven ? "edge" : "ok";
  return { rps, cpusNeeded, cpusGiven, fit };
}

/** One line for a plan the generator cannot carry (or only at its edge), null when it fits. */
export function generatorWarning(f: GeneratorFit, mode: Mode): string | null {
  if (f.fit === "ok") return null;
  const what =
    mode === "paced" ? `paced ${Math.round(f.rps)} RPS` : `saturate (up to ${Math.round(f.rps)} RPS)`;
  const need = `needs ≈ ${f.cpusNeeded.toFixed(2)} generator CPUs at ${WRK_US_PER_REQUEST[mode]} µs of wrk per request; the placement gives ${f.cpusGiven}`;
  const want = Math.ceil(f.cpusNeeded / SATURATED);
  return f.fit === "over"
    ? `${what} ${need}: wrk cannot keep up and the run will be generator-bound — give it ${want} CPUs (GENERATOR_CPUS) or lower the rate`
    : `${what} ${need}: at the edge, the run may read generator-bound — ${want} CPUs would leave headroom`;
}
