// The load generator's capacity: wrk CPU by mode (measured here), and whether a plan fits the CPUs it was given.
import { SATURATED } from "../contract/bound.ts";
import type { Mode } from "../contract/record.ts";

// NOTE: paced wrk's CPU follows its connections, not its rate: each pending delay() timer is walked (with a clock
// read) on every pass of its event loop, and events arrive all the time. Measured with wrk unsaturated on one CPU
// (docs/generator.md): 76–110 µs per connection per second at 1k–10k connections and 0.5–2 req/s each.
/** Debian's wrk: CPU µs per second per paced connection, whatever its rate. */
export const WRK_PACED_US_PER_CONNECTION = 90;
// NOTE: the lab's build (wrk/: timer heap, no epoll churn) pays per request, not per pending timer: 12.5–13.8 µs
// per paced request in the steady window of split 20k/20k runs (docs/generator.md), rounded up for headroom.
/** The lab's wrk: CPU µs per paced request, whatever its connections. */
export const LAB_WRK_PACED_US_PER_REQUEST = 15;
/** wrk CPU µs per request in a closed loop (saturate). */
export const WRK_SATURATE_US_PER_REQUEST = 13;

/** Which wrk: the lab's build (wrk/, the default) or Debian's (WRK=/usr/bin/wrk): their paced costs differ. */
export type WrkBuild = "lab" | "debian";

/** What wrk is asked for: paced, its connections at any rate; saturate, the Little ceiling connections / stub. */
export interface GeneratorAsk {
  mode: Mode;
  connections: number;
  /** paced: the rate sent; saturate: up to connections / stub */
  rps: number;
  /** default the lab's */
  build?: WrkBuild;
}

export interface GeneratorFit extends GeneratorAsk {
  /** CPUs wrk burns for it */
  cpusNeeded: number;
  cpusGiven: number;
  /** ok: under 90 % of its CPUs; edge: it fits but will read as generator-bound; over: it cannot keep up */
  fit: "ok" | "edge" | "over";
}

export function generatorCores(a: GeneratorAsk): number {
  if (a.mode !== "paced") return (a.rps * WRK_SATURATE_US_PER_REQUEST) / 1e6;
  return a.build === "debian"
    ? (a.connections * WRK_PACED_US_PER_CONNECTION) / 1e6
    : (a.rps * LAB_WRK_PACED_US_PER_REQUEST) / 1e6;
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
export function generatorRule(mode: Mode, build: WrkBuild = "lab"): string {
  if (mode !== "paced") return `${WRK_SATURATE_US_PER_REQUEST} µs of wrk per request`;
  return build === "debian"
    ? `${WRK_PACED_US_PER_CONNECTION} µs of Debian's wrk per paced connection per second, whatever the rate`
    : `${LAB_WRK_PACED_US_PER_REQUEST} µs of the lab's wrk per paced request`;
}

/** One line for a plan the generator cannot carry (or only at its edge), null when it fits. */
export function generatorWarning(f: GeneratorFit): string | null {
  if (f.fit === "ok") return null;
  const what =
    f.mode === "paced"
      ? `paced ${Math.round(f.rps)} RPS over ${f.connections} connections`
      : `saturate (up to ${Math.round(f.rps)} RPS)`;
  const need = `needs ≈ ${f.cpusNeeded.toFixed(2)} generator CPUs at ${generatorRule(f.mode, f.build)}; the placement gives ${f.cpusGiven}`;
  const want = cpusToGive(f);
  const lower =
    f.mode === "paced" && f.build === "debian" ? "fewer connections (or the lab's wrk)" : "a lower rate";
  return f.fit === "over"
    ? `${what} ${need}: wrk cannot keep up and the run will be generator-bound — give it ${want} CPUs (GENERATOR_CPUS) or ${lower}`
    : `${what} ${need}: at the edge, the run may read generator-bound — ${want} CPUs would leave headroom`;
}
