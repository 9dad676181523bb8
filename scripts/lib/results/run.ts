// One load run end to end: checks → warm-up → sharded wrk with live sampling → merge → verdict → files.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { findBound } from "../contract/bound.ts";
import { latencyUnderContention, loadContentionThresholds } from "../contract/contention.ts";
import { latencyWithParts } from "../contract/p99-parts.ts";
import type { ResultRecord } from "../contract/record.ts";
import { judge } from "../contract/verdict.ts";
import { whenInterrupted } from "../core/interrupt.ts";
import { checkCapacity } from "../doctor/capacity.ts";
import { buildMeasurements } from "../load/measurements.ts";
import { buildRecord } from "../load/record-build.ts";
import {
  type Measured,
  measure,
  type Prepared,
  prepare,
  type RunOptions,
  warmUp,
} from "../load/run-phases.ts";
import { gitInfo, machineInfo } from "../machine/info.ts";
import { tuningSnapshot } from "../machine/limits.ts";
import type { ShardsRun } from "../processes/wrk.ts";
import { rewriteIndex } from "./index-files.ts";
import { RunDir } from "./run-dir.ts";

export async function runLoad(o: RunOptions): Promise<{ record: ResultRecord; dir: string }> {
  const p = await prepare(o, checkCapacity);
  const runDir = new RunDir(o.resultsDir, p.id);
  const scratch = mkdtempSync(join(os.tmpdir(), "lab-warmup-"));
  const active: { run: ShardsRun | null } = { run: null };
  const track = (r: ShardsRun): void => {
    active.run = r;
  };
  const work = async (): Promise<{ record: ResultRecord; dir: string }> => {
    await warmUp(p, scratch, track);
    return finish(p, runDir, await measure(p, runDir.tmp, track));
  };
  const working = work();
  working.catch(() => {}); // NOTE: after an interrupt the race has settled; the loser must not crash the process
  try {
    return await Promise.race([working, whenInterrupted(p.signal)]);
  } catch (e) {
    await active.run?.kill();
    runDir.abandon();
    throw e;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Measurements → verdict and bound → the record and its report page, committed with the results index rewritten. */
async function finish(
  p: Prepared,
  runDir: RunDir,
  x: Measured,
): Promise<{ record: ResultRecord; dir: string }> {
  const m = buildMeasurements(x.collected, p.slo, p.conns);
  const thresholds = loadContentionThresholds();
  if (m.contention) m.contention.thresholds = thresholds;
  const bound = findBound({
    m,
    connections: p.conns,
    workers: x.before.workers,
    wrkThreads: x.shardSpecs.reduce((a, s) => a + s.threads, 0),
    workerNofile: Math.min(...p.cap.workerNofile.map((w) => w.soft)),
    sides: p.placement.kind === "shared" ? undefined : p.sides,
    cpuUnknown: p.cpuUnknown,
    contention: thresholds,
    fleet: x.fleet !== undefined,
    ...lbOf(p, x),
  });
  const judged = judge(m, p.slo, p.conns);
  const verdict = latencyWithParts(bound.bound === "contention" ? latencyUnderContention(judged) : judged, m);
  // NOTE: from the last wrk exit to the record, without the deliberate settle wait: parse + merge + verdict.
  m.pipelineMs = Math.round(performance.now() - x.tExit - x.settleMs);
  const record = buildRecord({
    id: p.id,
    startedAt: p.startedAt,
    env: { git: gitInfo(), machine: machineInfo(p.generator.version), tuning: tuningSnapshot() },
    base: p.origin,
    before: x.before,
    cap: p.cap,
    load: {
      mode: p.o.mode,
      threads: p.o.threads,
      warmupS: p.o.warmupS,
      timeoutS: p.o.timeoutS,
      // NOTE: shards over ssh run each host's own wrk (its path is in the commands), not this build
      generator: p.o.placement?.remote ? undefined : p.generator,
    },
    shardSpecs: x.shardSpecs,
    slo: p.slo,
    m,
    verdict,
    bound,
    placement: x.placement,
    ...(x.fleet ? { fleet: x.fleet } : {}),
  });
  const dir = runDir.commit(record, p.o.keepRaw, await reportFiles(record, p.o.runPage, p.log));
  rewriteIndex(p.o.resultsDir);
  return { record, dir };
}

/** A fleet's LB for the bound: its threads and CPUs, and whether it shares the servers'. */
function lbOf(
  p: Prepared,
  x: Measured,
): { lb?: { threads: number; cpus: number; sharesServerCpus: boolean } } {
  const cpus = p.placement.lbCpus;
  if (!cpus || !x.fleet) return {};
  const server = p.placement.serverCpus;
  const sharesServerCpus = !server || cpus.some((c) => server.includes(c));
  const threads = x.fleet.lb.nbthread * (x.fleet.lb.processes ?? 1);
  return { lb: { threads, cpus: cpus.length, sharesServerCpus } };
}

// NOTE: the page is a view of result.json: when it cannot be drawn the run is still recorded, and says how to retry.
async function reportFiles(
  record: ResultRecord,
  runPage: (record: ResultRecord) => Promise<string>,
  log: (l: string) => void,
): Promise<Record<string, string>> {
  try {
    return { "report.html": await runPage(record) };
  } catch (e) {
    log(
      `warning: report.html not written (${(e as Error).message}) — retry with make report ID=${record.id}`,
    );
    return {};
  }
}
