// The load generator's capacity: wrk CPU by mode (measured here), and whether a plan fits the CPUs it was given.
import { SATURATED } from "../contract/bound.ts";
import type { Mode } from "../contract/record.ts";

// NOTE: paced wrk's CPU follows its connections, not its rate: each pending delay() timer is walked (with a clock
// read) on every pass of its event loop, and events arrive all the time. Measured with wrk unsaturated on one CPU
// (docs/generator.md): 76–110 µs per connection per second at 1k–10k connections and 0.5–2 req/s each.
/** wrk CPU µs per second per paced connection, whatever its rate. */
export const WRK_PACED_US_PER_CONNECTION = 90;
/** wrk CPU µs per request in a closed loop (saturate). */
export const WRK_SATURATE_US_PER_REQUEST = 13;

/** What wrk is asked for: paced, its connections at any rate; saturate, the Little ceiling connections / stub. */
export interface GeneratorAsk {
  mode: Mode;
  connections: number;
  /** paced: the rate sent; saturate: up to connections / stub */
  rps: number;
}

export interface GeneratorFit extends GeneratorAsk {
  /** CPUs wrk burns for it */
  cpusNeeded: number;
  cpusGiven: number;
  /** ok: under 90 % of its CPUs; edge: it fits but will read as generator-bound; over: it cannot keep up */
  fit: "ok" | "edge" | "over";
}

export function generatorCores(a: GeneratorAsk): number {
  return a.mode === "paced"
    ? (a.connections * WRK_PACED_US_PER_CONNECTION) / 1e6
    : (a.rps * WRK_SATURATE_US_PER_REQUEST) / 1e6;
}

export function generatorFit(a: GeneratorAsk, cpusGiven: number): GeneratorFit {
  const cpusNeeded = generatorCores(a);
  // NOTE: the contract's 90 %: a generator run above it reads as the bound.
  const fit = cpusNeeded > cpusGiven ? "over" : cpusNeeded > SATURATED * cpusGiven ? "edge" : "ok";
  return { ...a, cpusNeeded, cpusGiven, fit };
}

/** CPUs that keep wrk under the contract's 90 %. */
export function cpusToGive(f: GeneratorFit): number {
  return Math.ceil(f.cpusNeeded / SATURATED);
}

/** How wrk's need was counted, for people. */
export function generatorRule(mode: Mode): string {
  return mode === "paced"
    ? `${WRK_PACED_US_PER_CONNECTION} µs of wrk per paced connection per second, whatever the rate`
    : `${WRK_SATURATE_US_PER_REQUEST} µs of wrk per request`;
}

/** One line for a plan the generator cannot carry (or only at its edge), null when it fits. */
export function generatorWarning(f: GeneratorFit): string | null {
  if (f.fit === "ok") return null;
  const what =
    f.mode === "paced"
      ? `paced ${Math.round(f.rps)} RPS over ${f.connections} connections`
      : `saturate (up to ${Math.round(f.rps)} RPS)`;
  const need = `needs ≈ ${f.cpusNeeded.toFixed(2)} generator CPUs at ${generatorRule(f.mode)}; the placement gives ${f.cpusGiven}`;
  const want = cpusToGive(f);
  const lower = f.mode === "paced" ? "fewer connections" : "a lower rate";
  return f.fit === "over"
    ? `${what} ${need}: wrk cannot keep up and the run will be generator-bound — give it ${want} CPUs (GENERATOR_CPUS) or ${lower}`
    : `${what} ${need}: at the edge, the run may read generator-bound — ${want} CPUs would leave headroom`;
}
