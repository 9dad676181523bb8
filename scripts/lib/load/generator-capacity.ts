// The load generator's capacity: wrk CPU per request by mode (measured here), and whether a plan fits its CPUs.
import type { Mode } from "../contract/record.ts";

// NOTE: measured on this machine with wrk 4.1 pinned to one CPU (docs/generator.md): paced ≈ 66 µs per request,
// saturate ≈ 13–23 µs. Paced costs more because wrk's event loop walks its whole timer list, reading the clock
// for each pending delay() timer, every time a timer fires; the walk grows with the connections per thread.
export const WRK_US_PER_REQUEST: Record<Mode, number> = { paced: 66, saturate: 13 };

/** The side is saturated (and is the bound) at this share of its CPUs: the contract's 90 %. */
const USABLE = 0.9;

export interface GeneratorFit {
  /** requests/s the plan asks of the generator (saturate: the Little ceiling connections / stub) */
  rps: number;
  cpusNeeded: number;
  cpusGiven: number;
  fits: boolean;
}

export function generatorFit(mode: Mode, rps: number, cpusGiven: number): GeneratorFit {
  const cpusNeeded = (rps * WRK_US_PER_REQUEST[mode]) / 1e6 / USABLE;
  return { rps, cpusNeeded, cpusGiven, fits: cpusNeeded <= cpusGiven };
}

/** One line for a plan the generator cannot carry, or null when it fits. */
export function generatorWarning(f: GeneratorFit, mode: Mode): string | null {
  if (f.fits) return null;
  const need = Math.ceil(f.cpusNeeded);
  const what =
    mode === "paced" ? `paced ${Math.round(f.rps)} RPS` : `saturate up to ${Math.round(f.rps)} RPS`;
  return `${what} needs ≈ ${f.cpusNeeded.toFixed(1)} generator CPUs at ${WRK_US_PER_REQUEST[mode]} µs of wrk per request, the placement gives ${f.cpusGiven}: the run will be generator-bound — give wrk ${need} CPUs (GENERATOR_CPUS) or lower the rate`;
}
