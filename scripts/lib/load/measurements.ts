// A run's Measurements, built purely from what it collected: merged wrk reports, live samples, server counts, CPU.
import { type Bucket, histCount, percentile, reduceHistogram } from "../contract/histogram.ts";
import { littleCeilingRps } from "../contract/little.ts";
import type { Measurements, RunSample } from "../contract/record.ts";
import type { Slo } from "../core/slo.ts";
import { fleetOf } from "../processes/fleet-stats.ts";
import { count2xx, countResponses, type LabStats } from "../processes/lab-stats.ts";
import type { MergedReport } from "../processes/wrk-report.ts";

/** What the server counted between two stats readings. */
export interface ServerDelta {
  requests: number;
  responses: number;
  responses2xx: number;
  aborted: number;
  /** a fleet: the answers its LB gave itself (in requests and responses above; never the servers' CPU) */
  lbOwn?: number;
}

export function serverDelta(before: LabStats, after: LabStats): ServerDelta {
  const [fb, fa] = [fleetOf(before), fleetOf(after)];
  return {
    requests: after.requests - before.requests,
    responses: countResponses(after) - countResponses(before),
    responses2xx: count2xx(after) - count2xx(before),
    aborted: after.aborted - before.aborted,
    ...(fb && fa ? { lbOwn: fa.lbOwn - fb.lbOwn } : {}),
  };
}

/** CPU figures of the measured phase: % of one core per side and the machine, and the server's CPU µs. */
export interface CpuFigures {
  serverPct: number;
  generatorPct: number;
  machinePct: number;
  cpus: number;
  serverCpuUs: number;
  generatorCpuUs: number;
  /** how many CPUs each side was given (its set, or every CPU when it floats) */
  serverCpus: number;
  generatorCpus: number;
  /** a fleet's LB: % of one core, CPU µs, CPUs given (absent without one) */
  lb?: { pct: number; cpuUs: number; cpus: number };
}

/** Everything a measured run collected, before it is turned into the record's Measurements. */
export interface Collected {
  merged: MergedReport;
  /** samples wrk's coordinated-omission correction had added, summed over the shards */
  coSyntheticRemoved: number;
  window: Measurements["steadyWindow"];
  contention: Measurements["contention"];
  server: ServerDelta;
  serverLate: Measurements["serverLateUs"];
  beforeHandler: Measurements["beforeHandlerUs"];
  cpu: CpuFigures;
  rssBytes: number;
  connectionsEstablished: number;
  connectedAtS: number | null;
  samples: RunSample[];
  kernel: Measurements["kernel"];
}

/** The record's Measurements; pipelineMs is 0 here (the caller sets it once the verdict is known). */
export function buildMeasurements(c: Collected, slo: Slo, conns: number): Measurements {
  const { merged, server, window } = c;
  const lat = merged.latency;
  const wholeRunRps = merged.requests / (merged.durationUs / 1e6);
  return {
    requests: merged.requests,
    rps: window ? window.responses2xx / (window.toS - window.fromS) : wholeRunRps,
    rpsWholeRun: wholeRunRps,
    steadyWindow: window,
    latencyUs: {
      min: lat.min,
      p50: lat.p50,
      p90: lat.p90,
      p99: lat.p99,
      p99_9: lat.p99_9,
      max: lat.max,
      mean: lat.mean,
      stdev: lat.stdev,
    },
    judgedUs: percentile(merged.histogram, slo.percentile),
    overStubUs: { p50: lat.p50 - slo.stubMs * 1000, p99: lat.p99 - slo.stubMs * 1000 },
    histogram: reduceHistogram(merged.histogram),
    errors: { ...merged.errors, non2xx: server.responses - server.responses2xx },
    serverCounted: { ...server, difference: server.requests - merged.requests },
    connectionsEstablished: c.connectionsEstablished,
    connectedAtS: c.connectedAtS,
    cpu: cpuMeasurements(c.cpu, server, merged.requests, window),
    serverLateUs: c.serverLate,
    beforeHandlerUs: c.beforeHandler,
    latencyFrom: merged.latencyFrom,
    sendLatenessUs: merged.lateness ? latenessSummary(merged.lateness) : null,
    readLatenessUs: merged.readLateness ? latenessSummary(merged.readLateness) : null,
    contention: c.contention,
    rssBytes: c.rssBytes,
    littleCeilingRps: littleCeilingRps(conns, slo.stubMs),
    paced: merged.paced ? { late: merged.paced.late, maxLateUs: merged.paced.max_late_us } : null,
    coSyntheticRemoved: c.coSyntheticRemoved,
    kernel: c.kernel,
    samples: c.samples,
    pipelineMs: 0,
  };
}

function latenessSummary(h: Bucket[]): NonNullable<Measurements["sendLatenessUs"]> {
  const at = (p: number) => percentile(h, p);
  return {
    count: histCount(h),
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p99_9: at(99.9),
    max: h.at(-1)?.[0] ?? 0,
  };
}

// NOTE: a side's share of its own CPUs is taken over the steady window when there is one (the connect storm and
// the final drain are not what it sustains); the whole-run figures stay beside it.
function cpuMeasurements(
  f: CpuFigures,
  server: ServerDelta,
  requests: number,
  w: Measurements["steadyWindow"],
): Measurements["cpu"] {
  // NOTE: the servers' CPU per answer they gave: a fleet's LB's own answers (429s) cost them nothing.
  const served = server.responses - (server.lbOwn ?? 0);
  const responses = server.responses;
  return {
    serverPct: f.serverPct,
    generatorPct: f.generatorPct,
    machinePct: f.machinePct,
    otherPct: Math.max(0, f.machinePct - f.serverPct - f.generatorPct - (f.lb?.pct ?? 0)),
    cpus: f.cpus,
    serverUsPerRequest: served > 0 ? f.serverCpuUs / served : 0,
    serverOfItsCpusPct: (w?.serverPct ?? f.serverPct) / f.serverCpus,
    generatorOfItsCpusPct: (w?.generatorPct ?? f.generatorPct) / f.generatorCpus,
    generatorUsPerRequest: requests > 0 ? f.generatorCpuUs / requests : 0,
    ...(f.lb ? lbCpu(f.lb, w?.lbPct, responses) : {}),
  };
}

// NOTE: per answer the fleet gave (the servers' and the LB's own), as the servers' µs per request is counted.
function lbCpu(lb: NonNullable<CpuFigures["lb"]>, windowPct: number | undefined, answers: number) {
  return {
    lbPct: lb.pct,
    lbOfItsCpusPct: (windowPct ?? lb.pct) / lb.cpus,
    lbUsPerRequest: answers > 0 ? lb.cpuUs / answers : 0,
  };
}
