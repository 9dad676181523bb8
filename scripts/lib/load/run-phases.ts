// The phases of one load run before its record: prepare (checks, plan, id), warm-up, the measured shards.
import os from "node:os";
import { ANSWER_STAMP_HEADER, SENT_STAMP_HEADER } from "../../../server/stamps.ts";
import type { GeneratorBuild } from "../contract/generator-build.ts";
import { littleCeilingRps } from "../contract/little.ts";
import type { Placement } from "../contract/placement.ts";
import type { Mode, ResultRecord } from "../contract/record.ts";
import { runId } from "../contract/run-id.ts";
import { checkInterrupted, interruptSignal } from "../core/interrupt.ts";
import { sleep } from "../core/sleep.ts";
import type { Slo } from "../core/slo.ts";
import { readNetstat, readSockstat, sumCounters } from "../machine/kernel-counters.ts";
import { machineBusyPct, machineCpuTicks } from "../machine/proc.ts";
import { tasksetPrefix } from "../placement/cpus.ts";
import {
  type PlacementRequest,
  pinningOf,
  placementRecord,
  type RunPlacement,
  resolveRunPlacement,
  sideCpuCounts,
} from "../placement/run-placement.ts";
import { type StatsSource, serverPidsOf } from "../processes/fleet-stats.ts";
import { requireGenerator } from "../processes/generator-build.ts";
import type { LabStats } from "../processes/lab-stats.ts";
import { buildShards, type LoadPlan, type ShardSpec, type ShardsRun, startShards } from "../processes/wrk.ts";
import { type Capacity, type CheckCapacity, checkUrl, serverStats } from "./checks.ts";
import { type CollectPlan, collect, rawReport } from "./collect.ts";
import { fleetPart, resetLbPeaks, withLbCpus } from "./fleet-phase.ts";
import { type GeneratorAsk, generatorFit, generatorWarning } from "./generator-capacity.ts";
import { kernelPids, startLive } from "./live-start.ts";
import type { Collected } from "./measurements.ts";
import { drainTimeWait } from "./time-wait.ts";

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
  /** where the sides run (default: shared — both float) */
  placement?: PlacementRequest;
  /** where /__lab/stats is read (unix:/path for a server in a namespace, a fleet's sockets); default the URL's origin */
  statsBase?: StatsSource;
  /** the run's report.html from its record (report/run-page-lazy.ts; given by the driver: load imports no report) */
  runPage: (record: ResultRecord) => Promise<string>;
}

/** What a run settles before any load: the checked target, the SLO with the server's stub, capacity, plan, id. */
export interface Prepared {
  o: RunOptions;
  log: (line: string) => void;
  signal: AbortSignal;
  /** the wrk build that runs here (the lab's unless WRK=) */
  generator: GeneratorBuild;
  /** where the stats are read (the URL's origin, the admin socket, or a fleet's sockets) */
  base: StatsSource;
  /** the server's origin as the load sees it: http://127.0.0.1:8000, http://10.77.0.10:8000 */
  origin: string;
  slo: Slo;
  conns: number;
  cap: Capacity;
  startedAt: Date;
  id: string;
  plan: Omit<LoadPlan, "durationS" | "outDir">;
  placement: RunPlacement;
  /** how many CPUs each side was given (its set, or every CPU when it floats) */
  sides: { serverCpus: number; generatorCpus: number };
  /** sides this machine cannot see (hosts over ssh): their CPU figures are 0 and never judged */
  cpuUnknown: ("server" | "generator")[];
}

const WARMUP_MAX_CONNECTIONS = 1000;
const PIN_READ_DELAY_MS = 500;

/** `checkCapacity`: the doctor's (doctor/capacity.ts), passed in by the caller. */
export async function prepare(o: RunOptions, checkCapacity: CheckCapacity): Promise<Prepared> {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const signal = interruptSignal();
  const generator = requireGenerator();
  const { origin, url, base, first } = await reachTarget(o);
  const slo: Slo = { ...o.slo, stubMs: first.stubMs }; // NOTE: the stub is read from the server, never assumed
  const conns = slo.connections;
  const cap = checkCapacity(first, conns, o.threads, o.shards, o.expectNative ?? true);
  if (o.shards === 0) cap.shards = Math.max(cap.shards, Math.min(conns, o.placement?.minShards ?? 1));
  const startedAt = new Date();
  const id = runId(startedAt, o.mode, first.workers, conns);
  const req = o.placement ?? { kind: "shared", generatorCpus: null };
  const placement = withLbCpus(resolveRunPlacement(req, serverPidsOf(first), log), first);
  const sides = sideCpuCounts(placement);
  const rps = o.mode === "paced" ? slo.targetRps : littleCeilingRps(conns, slo.stubMs);
  const build = generator.patchSet ? "lab" : "debian";
  warnGeneratorFit({ mode: o.mode, connections: conns, rps, build }, sides.generatorCpus, log);
  const cpuUnknown = o.placement?.remote?.cpuUnknown ?? [];
  const plan = {
    url,
    mode: o.mode,
    connections: conns,
    threads: o.threads,
    shards: cap.shards,
    timeoutS: o.timeoutS,
    targetRps: slo.targetRps,
    prefix: req.shardPrefix ?? (() => tasksetPrefix(placement.generatorCpus)),
    wrk: generator.path,
    // NOTE: a monotonic stamp means something only on the server's own machine: not on a real remote host.
    ...(cpuUnknown.length ? {} : { stamps: { send: SENT_STAMP_HEADER, answer: ANSWER_STAMP_HEADER } }),
  };
  const target = { generator, base, origin, slo, conns, cap };
  return { o, log, signal, ...target, startedAt, id, plan, placement, sides, cpuUnknown };
}

/** The target, checked: its URL, where its stats are read, and its stats before anything runs. */
async function reachTarget(o: RunOptions) {
  const lab = ["netns", "hosts", "fleet"].includes(o.placement?.kind ?? "");
  const { base: origin, url } = checkUrl(o.url, lab);
  // NOTE: beyond loopback the stats are served only on the server's admin socket (docs/placement.md).
  const base: StatsSource = o.statsBase ?? origin;
  return { origin, url, base, first: await serverStats(base) };
}

/** Before any load: say when the plan needs more wrk CPU than the generator side was given. */
function warnGeneratorFit(ask: GeneratorAsk, given: number, log: (l: string) => void): void {
  const warning = generatorWarning(generatorFit(ask, given));
  if (warning) log(`WARNING: ${warning}`);
}

/** The unrecorded warm-up (none when warmupS is 0); `track` learns the running shards, for an interrupt. */
export async function warmUp(p: Prepared, scratch: string, track: (r: ShardsRun) => void): Promise<void> {
  if (!(p.o.warmupS > 0)) return;
  // NOTE: the warm-up (JIT, allocator) uses at most 1,000 connections: a full-size one would leave 20k
  // client sockets in TIME_WAIT, and reusing those ports makes the measured run's connects slow and reset.
  const wc = Math.min(p.conns, WARMUP_MAX_CONNECTIONS);
  p.log(`warm-up ${p.o.warmupS} s with ${wc} connections (not recorded) …`);
  const wPlan = { ...p.plan, connections: wc, targetRps: (p.slo.targetRps * wc) / p.conns, shards: 1 };
  checkInterrupted(p.signal);
  const run = shardsStarter(p)(buildShards({ ...wPlan, durationS: p.o.warmupS, outDir: scratch }));
  track(run);
  await run.done;
  await sleep(p.slo.stubMs + 300);
}

/** Local wrk processes, or the placement's remote runner (hosts: shards over ssh). */
const shardsStarter = (p: Prepared): ((s: ShardSpec[]) => ShardsRun) =>
  p.o.placement?.remote?.start ?? startShards;

export interface Measured {
  /** the server's stats just before the measured phase */
  before: LabStats;
  shardSpecs: ShardSpec[];
  collected: Collected;
  /** performance.now() at the last wrk exit, and the deliberate settle wait after it (for pipelineMs) */
  tExit: number;
  settleMs: number;
  /** the record's placement: the plan's, with every wrk shard's affinity read back while it ran */
  placement: Placement;
  /** SERVERS=n: a row per server host and the LB's */
  fleet?: Awaited<ReturnType<typeof fleetPart>>;
}

/** The measured phase: sharded wrk with live sampling, then the settle wait and every after-reading. */
export async function measure(p: Prepared, outDir: string, track: (r: ShardsRun) => void): Promise<Measured> {
  await drainTimeWait(p.conns, p.log);
  await resetLbPeaks(p.base);
  const before = await serverStats(p.base);
  checkInterrupted(p.signal); // NOTE: runLoad's race has already returned; start no new wrk after a Ctrl-C
  const shardSpecs = buildShards({ ...p.plan, durationS: p.slo.durationS, outDir });
  const netPids = kernelPids(p.cpuUnknown, before);
  const netBefore = sumCounters(readNetstat, netPids);
  const sockBefore = sumCounters(readSockstat, netPids);
  p.log(
    `${p.o.mode}: ${p.conns} connections, ${p.cap.shards} wrk shard(s) × -t${p.o.threads}, ${p.slo.durationS} s against ${p.plan.url} (${before.workers} workers, stub ${p.slo.stubMs} ms)`,
  );
  const run = shardsStarter(p)(shardSpecs);
  track(run);
  const wrkPids = run.pids ?? (() => run.procs.map((x) => x.pid ?? 0));
  const t0 = performance.now();
  const machine0 = machineCpuTicks();
  const remote = p.o.placement?.remote !== undefined;
  const { live, meters } = startLive({ ...p, durationS: p.slo.durationS, remote }, before, wrkPids);
  // NOTE: read once wrk has surely exec'd (taskset pins, then execs wrk): too early shows node's own set.
  const pinned = Promise.all([sleep(PIN_READ_DELAY_MS), run.ready]).then(() => pinningOf(wrkPids()));
  const tExit = await run.lastExit.finally(() => live.stop());
  meters?.sample();
  const wrkPinning = await pinned;
  const machinePct = machineBusyPct(machine0, machineCpuTicks(), os.cpus().length);
  const reports = await run.done;
  // NOTE: wrk adds synthetic samples (its coordinated-omission "correction") before done(); undo it per
  // shard (it depends on that shard's -c) so the histogram holds exactly the latencies wrk measured.
  const raw = reports.map((r, i) => rawReport(r, shardSpecs[i]?.connections ?? 1));
  const tSettle = performance.now();
  await sleep(p.slo.stubMs + 300); // in-flight requests of closed connections settle (answered or aborted)
  const after = await serverStats(p.base);
  const settleMs = performance.now() - tSettle;
  const reads = { raw, reports, live, before, after, machinePct, netBefore, sockBefore, netPids };
  const collected = collect(collectPlan(p), reads, (tExit - t0) / 1000);
  const { hostname } = new URL(p.origin);
  const placement = placementRecord(
    p.placement,
    hostname,
    wrkPinning,
    p.cap.shards,
    p.o.threads,
    p.o.placement?.remote,
  );
  const fleet = meters ? await fleetPart(p.base, { before, after, meters, c: collected }) : undefined;
  return { before, shardSpecs, collected, tExit, settleMs, placement, ...(fleet ? { fleet } : {}) };
}

function collectPlan(p: Prepared): CollectPlan {
  const lbCpus = p.placement.lbCpus?.length;
  return {
    ...{ mode: p.o.mode, conns: p.conns, slo: p.slo, sides: p.sides, cpuUnknown: p.cpuUnknown },
    ...(lbCpus ? { lbCpus } : {}),
  };
}
