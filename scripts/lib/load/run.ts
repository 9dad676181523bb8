// One load run end to end: checks → warm-up → sharded wrk with live sampling → merge → verdict → files.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { findBound } from "../contract/bound.ts";
import type { Measurements, Mode, ResultRecord } from "../contract/record.ts";
import type { Slo } from "../contract/slo.ts";
import { judge } from "../contract/verdict.ts";
import { checkInterrupted, interruptSignal, whenInterrupted } from "../core/interrupt.ts";
import { gitInfo, machineInfo } from "../machine/info.ts";
import { portRangeSize, tuningSnapshot } from "../machine/limits.ts";
import { counterDelta, machineBusyPct, machineCpuTicks, readNetstat, readSockstat } from "../machine/proc.ts";
import { RunDir, rewriteIndex, runId } from "../results/run-dir.ts";
import { checkCapacity, checkUrl, serverStats } from "./checks.ts";
import {
  mergeReports,
  percentile,
  reduceHistogram,
  undoCorrection,
  type WrkReport,
  wrkCorrectionIntervalUs,
} from "./histogram.ts";
import { count2xx, countResponses, type LabStats } from "./lab-stats.ts";
import { LiveSampler, sleep } from "./live.ts";
import { buildShards, type LoadPlan, requireWrk, type ShardsRun, startShards } from "./wrk.ts";

export interface RunOptions {
  url: string;
  mode: Mode;
  threads: number;
  /** 0 = auto */
  shards: number;
  warmupS: number;
  timeoutS: number;
  resultsDir: string;
  slo: Slo;
  log?: (line: string) => void;
  /** keep the shards' exact wrk reports (wrk-<n>.json.gz) beside result.json */
  keepRaw?: boolean;
  /** false for the comparison peers (node:http, FastAPI): they are not uWS, so nativeUws is not required */
  expectNative?: boolean;
}

const WARMUP_MAX_CONNECTIONS = 1000;
const TIME_WAIT_MAX_WAIT_S = 70;

export async function runLoad(o: RunOptions): Promise<{ record: ResultRecord; dir: string }> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const signal = interruptSignal();
  const wrk = requireWrk();
  const { base, url } = checkUrl(o.url);
  const first = await serverStats(base);
  const slo: Slo = { ...o.slo, stubMs: first.stubMs }; // NOTE: the stub is read from the server, never assumed
  const conns = slo.connections;
  const cap = checkCapacity(first, conns, o.threads, o.shards, o.expectNative ?? true);
  const startedAt = new Date();
  const id = runId(startedAt, o.mode, first.workers, conns);
  const plan: Omit<LoadPlan, "durationS" | "outDir"> = {
    url,
    mode: o.mode,
    connections: conns,
    threads: o.threads,
    shards: cap.shards,
    timeoutS: o.timeoutS,
    targetRps: slo.targetRps,
  };
  const runDir = new RunDir(o.resultsDir, id);
  const scratch = mkdtempSync(join(os.tmpdir(), "lab-warmup-"));
  let active: ShardsRun | null = null;
  const work = async (): Promise<{ record: ResultRecord; dir: string }> => {
    if (o.warmupS > 0) {
      // NOTE: the warm-up (JIT, allocator) uses at most 1,000 connections: a full-size one would leave 20k
      // client sockets in TIME_WAIT, and reusing those ports makes the measured run's connects slow and reset.
      const wc = Math.min(conns, WARMUP_MAX_CONNECTIONS);
      log(`warm-up ${o.warmupS} s with ${wc} connections (not recorded) …`);
      const wPlan = { ...plan, connections: wc, targetRps: (slo.targetRps * wc) / conns, shards: 1 };
      checkInterrupted(signal);
      active = startShards(buildShards({ ...wPlan, durationS: o.warmupS, outDir: scratch }));
      await active.done;
      await sleep(slo.stubMs + 300);
    }
    await drainTimeWait(conns, log);
    const before = await serverStats(base);
    checkInterrupted(signal); // NOTE: the race below has already returned; start no new wrk after a Ctrl-C
    const shardSpecs = buildShards({ ...plan, durationS: slo.durationS, outDir: runDir.tmp });
    const netBefore = readNetstat();
    const sockBefore = readSockstat();
    log(
      `${o.mode}: ${conns} connections, ${cap.shards} wrk shard(s) × -t${o.threads}, ${slo.durationS} s against ${url} (${before.workers} workers, stub ${slo.stubMs} ms)`,
    );
    const run = startShards(shardSpecs);
    active = run;
    const t0 = performance.now();
    const machine0 = machineCpuTicks();
    const live = new LiveSampler(
      base,
      [before.primaryPid, ...before.pids],
      run.procs.map((p) => p.pid ?? 0),
      slo.durationS,
      log,
    );
    live.start();
    // NOTE: wrk adds synthetic samples (its coordinated-omission "correction") before done(); undo it per
    // shard (it depends on that shard's -c) so the histogram holds exactly the latencies wrk measured.
    const tExit = await run.lastExit.finally(() => live.stop());
    const machine1 = machineCpuTicks();
    const wrkEndS = (tExit - t0) / 1000;
    const reports = await run.done;
    const raw = reports.map((r, i) => rawReport(r, shardSpecs[i]?.connections ?? 1));
    const tSettle = performance.now();
    await sleep(slo.stubMs + 300); // in-flight requests of closed connections settle (answered or aborted)
    const after = await serverStats(base);
    const settleMs = performance.now() - tSettle;
    const merged = mergeReports(raw);
    const lat = merged.latency;
    const window = live.steadyWindow(
      conns,
      o.mode === "paced" ? conns / slo.targetRps : slo.stubMs / 1000,
      wrkEndS,
    );
    const server = serverDelta(before, after);
    const serverPct = live.serverCpu.percent();
    const generatorPct = live.wrkCpu.percent();
    const machinePct = machineBusyPct(machine0, machine1, os.cpus().length);
    const m: Measurements = {
      requests: merged.requests,
      rps: window
        ? window.responses2xx / (window.toS - window.fromS)
        : merged.requests / (merged.durationUs / 1e6),
      rpsWholeRun: merged.requests / (merged.durationUs / 1e6),
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
      connectionsEstablished: live.established(),
      connectedAtS: live.connectedAtS(conns),
      cpu: {
        serverPct,
        generatorPct,
        machinePct,
        otherPct: Math.max(0, machinePct - serverPct - generatorPct),
        cpus: os.cpus().length,
        serverUsPerRequest: server.responses > 0 ? live.serverCpu.cpuUsTotal() / server.responses : 0,
      },
      rssBytes: live.serverCpu.peakRssBytes(),
      littleCeilingRps: conns / (slo.stubMs / 1000),
      paced: merged.paced ? { late: merged.paced.late, maxLateUs: merged.paced.max_late_us } : null,
      coSyntheticRemoved: reports.reduce((a, r) => a + r.co_synthetic, 0),
      kernel: {
        netstatDelta: counterDelta(netBefore, readNetstat()),
        sockstatBefore: sockBefore,
        sockstatAfter: readSockstat(),
      },
      pipelineMs: 0,
    };
    const verdict = judge(m, slo, conns);
    const wrkThreads = shardSpecs.reduce((a, s) => a + s.threads, 0);
    const workerNofile = Math.min(...cap.workerNofile.map((w) => w.soft));
    const { bound, why } = findBound({
      m,
      connections: conns,
      workers: before.workers,
      wrkThreads,
      workerNofile,
    });
    // NOTE: from the last wrk exit to the record, without the deliberate settle wait: parse + merge + verdict.
    m.pipelineMs = Math.round(performance.now() - tExit - settleMs);
    const record: ResultRecord = {
      id,
      startedAt: startedAt.toISOString(),
      git: gitInfo(),
      machine: machineInfo(wrk),
      tuning: tuningSnapshot(),
      server: {
        url: base,
        workers: before.workers,
        stubMs: slo.stubMs,
        pids: before.pids,
        primaryPid: before.primaryPid,
        impl: before.impl ?? "uws",
        nativeUws: before.nativeUws ?? false,
        nofile: cap.workerNofile,
      },
      load: {
        mode: o.mode,
        connections: conns,
        threads: o.threads,
        shards: cap.shards,
        shardConnections: shardSpecs.map((s) => s.connections),
        durationS: slo.durationS,
        warmupS: o.warmupS,
        timeoutS: o.timeoutS,
        targetRps: slo.targetRps,
        commands: shardSpecs.map((s) => s.command),
      },
      slo,
      measurements: m,
      verdict,
      bound,
      boundWhy: why,
    };
    const dir = runDir.commit(record, o.keepRaw);
    rewriteIndex(o.resultsDir);
    return { record, dir };
  };
  const working = work();
  working.catch(() => {}); // NOTE: after an interrupt the race has settled; the loser must not crash the process
  try {
    return await Promise.race([working, whenInterrupted(signal)]);
  } catch (e) {
    await (active as ShardsRun | null)?.kill();
    runDir.abandon();
    throw e;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function serverDelta(before: LabStats, after: LabStats) {
  return {
    requests: after.requests - before.requests,
    responses: countResponses(after) - countResponses(before),
    responses2xx: count2xx(after) - count2xx(before),
    aborted: after.aborted - before.aborted,
  };
}

function rawReport(r: WrkReport, connections: number): WrkReport {
  const interval = wrkCorrectionIntervalUs(r.summary.duration_us, r.summary.requests, connections);
  return { ...r, histogram: r.co_synthetic > 0 ? undoCorrection(r.histogram, interval) : r.histogram };
}

// NOTE: connect() on Linux prefers even ephemeral ports and scans all of them before odd ones, so once
// TIME_WAIT + new connections exceed half the port range every connect() gets slow: wait for them to drain.
// `all`: wait for (almost) every TIME_WAIT socket, for experiments that compare connect times.
export async function drainTimeWait(conns: number, log: (l: string) => void, all = false): Promise<void> {
  const range = portRangeSize() ?? 28_232;
  const tw = (): number => readSockstat()["TCP.tw"] ?? 0;
  const crowded = (): boolean => tw() > 100 && (all || tw() + conns > range / 2);
  if (!crowded()) return;
  log(`waiting for ${tw()} TIME_WAIT sockets to drain (they hold ports of the ${range}-port range) …`);
  const until = performance.now() + TIME_WAIT_MAX_WAIT_S * 1000;
  while (crowded() && performance.now() < until) await sleep(1000);
}
