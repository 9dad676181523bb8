// The record's time series: the live sampler's cumulative readings turned into rates per interval.
import type { RunSample, SideContention } from "../contract/record.ts";
import type { ContentionBetween } from "./contention.ts";
import type { Sample } from "./live.ts";

/** How many CPUs each side was given, and the sides whose CPU this machine cannot read (hosts placement). */
export interface SampleSides {
  serverCpus: number;
  generatorCpus: number;
  cpuUnknown: readonly ("server" | "generator")[];
}

/**
 * One RunSample per reading: 2xx/s and each side's CPU share over the interval since the previous reading.
 * `r2xxAtStart`: the server's 2xx count read just before wrk started (the first interval starts there, CPU at 0).
 */
export function runSamples(
  readings: readonly Sample[],
  r2xxAtStart: number,
  sides: SampleSides,
  between?: ContentionBetween,
): RunSample[] {
  let prev: Pick<Sample, "t" | "r2xx" | "serverCpuUs" | "wrkCpuUs" | "contention"> = {
    t: 0,
    r2xx: r2xxAtStart,
    serverCpuUs: 0,
    wrkCpuUs: 0,
  };
  const out: RunSample[] = [];
  for (const s of readings) {
    const dt = s.t - prev.t;
    if (!(dt > 0)) continue;
    // NOTE: CPU µs over dt s is (µs / 1e4 / dt) % of one core; divided by the side's CPUs, % of what it was given.
    const share = (us: number, cpus: number): number => round1(us / 1e4 / dt / Math.max(1, cpus));
    out.push({
      t: Math.round(s.t * 1000) / 1000,
      rps2xx: round1((s.r2xx - prev.r2xx) / dt),
      open: s.open,
      inFlight: s.inFlight,
      serverOfItsCpusPct: sides.cpuUnknown.includes("server")
        ? null
        : share(s.serverCpuUs - prev.serverCpuUs, sides.serverCpus),
      generatorOfItsCpusPct: sides.cpuUnknown.includes("generator")
        ? null
        : share(s.wrkCpuUs - prev.wrkCpuUs, sides.generatorCpus),
      ...(between && prev.contention && s.contention
        ? { contention: perInterval(between([prev.contention, s.contention], dt), dt) }
        : {}),
    });
    prev = s;
  }
  return out;
}

function perInterval(c: Record<"server" | "generator", SideContention | null>, dt: number) {
  const wait = (x: SideContention | null) => (x ? round1(x.runQueueWaitUs / 1000 / dt) : null);
  return {
    serverOtherPct: c.server ? round1(c.server.otherTasksCpuPct) : null,
    generatorOtherPct: c.generator ? round1(c.generator.otherTasksCpuPct) : null,
    serverWaitMsPerS: wait(c.server),
    generatorWaitMsPerS: wait(c.generator),
  };
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
