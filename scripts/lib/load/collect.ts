// The measured phase's readings gathered into what measurements.ts takes (merged reports, windows, CPU, kernel).
import os from "node:os";
import { undoCorrection, wrkCorrectionIntervalUs } from "../contract/histogram.ts";
import type { Mode } from "../contract/record.ts";
import type { Slo } from "../core/slo.ts";
import { counterDelta, readNetstat, readSockstat, sumCounters } from "../machine/kernel-counters.ts";
import { count2xx, type LabStats } from "../processes/lab-stats.ts";
import { mergeReports, type WrkReport } from "../processes/wrk-report.ts";
import type { LiveSampler } from "./live.ts";
import { type Collected, serverDelta } from "./measurements.ts";
import { runSamples } from "./samples.ts";
import { beforeHandler, serverLateness } from "./server-late.ts";

/** What measure() read around the shards' run. */
export interface Reads {
  raw: WrkReport[];
  reports: WrkReport[];
  live: LiveSampler;
  before: LabStats;
  after: LabStats;
  machinePct: number;
  netBefore: Record<string, number>;
  sockBefore: Record<string, number>;
  /** whose network namespaces the kernel counters are read in (live-start.ts kernelPids) */
  netPids: number[];
}

/** What collect needs of the run's plan (load/run-phases.ts's Prepared has it). */
export interface CollectPlan {
  mode: Mode;
  conns: number;
  slo: Slo;
  sides: { serverCpus: number; generatorCpus: number };
  /** a fleet's LB: how many CPUs it was given (absent without one) */
  lbCpus?: number;
  cpuUnknown: readonly ("server" | "generator")[];
}

/** Every reading of the measured phase, as measurements.ts takes them: merged reports, windows, CPU, kernel. */
export function collect(p: CollectPlan, r: Reads, wrkEndS: number): Collected {
  const settleS = p.mode === "paced" ? p.conns / p.slo.targetRps : p.slo.stubMs / 1000;
  const sides = { ...p.sides, cpuUnknown: p.cpuUnknown };
  return {
    merged: mergeReports(r.raw),
    coSyntheticRemoved: r.reports.reduce((a, x) => a + x.co_synthetic, 0),
    window: r.live.steadyWindow(p.conns, settleS, wrkEndS),
    contention: r.live.contentionOver(p.conns, settleS, wrkEndS),
    server: serverDelta(r.before, r.after),
    serverLate: serverLateness(r.before, r.after),
    beforeHandler: beforeHandler(r.before, r.after),
    cpu: {
      serverPct: r.live.serverCpu.percent(),
      generatorPct: r.live.wrkCpu.percent(),
      machinePct: r.machinePct,
      cpus: os.cpus().length,
      serverCpuUs: r.live.serverCpu.cpuUsTotal(),
      generatorCpuUs: r.live.wrkCpu.cpuUsTotal(),
      ...p.sides,
      ...(p.lbCpus
        ? { lb: { pct: r.live.lbCpu.percent(), cpuUs: r.live.lbCpu.cpuUsTotal(), cpus: p.lbCpus } }
        : {}),
    },
    rssBytes: r.live.serverCpu.peakRssBytes(),
    connectionsEstablished: r.live.established(),
    connectedAtS: r.live.connectedAtS(p.conns),
    samples: runSamples(r.live.samples, count2xx(r.before), sides, r.live.contentionBetween()),
    kernel: {
      netstatDelta: counterDelta(r.netBefore, sumCounters(readNetstat, r.netPids)),
      sockstatBefore: r.sockBefore,
      sockstatAfter: sumCounters(readSockstat, r.netPids),
    },
  };
}

/** A shard's report without wrk's coordinated-omission correction: exactly the latencies wrk measured. */
export function rawReport(r: WrkReport, connections: number): WrkReport {
  const interval = wrkCorrectionIntervalUs(r.summary.duration_us, r.summary.requests, connections);
  return { ...r, histogram: r.co_synthetic > 0 ? undoCorrection(r.histogram, interval) : r.histogram };
}
