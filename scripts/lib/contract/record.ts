// The result record (results/<id>/result.json) as types: the lab contract's schema, base units only.
import type { Slo } from "../core/slo.ts";
import type { FleetRecord } from "./fleet.ts";
import type { GeneratorBuild } from "./generator-build.ts";
import type { Bucket } from "./histogram.ts";
import type { ServerBucketsUs, WrkLatenessUs } from "./lateness.ts";
import type { Placement } from "./placement.ts";
import type { TuningSnapshot } from "./tuning-snapshot.ts";

export type Mode = "saturate" | "paced";
export type Bound = "server" | "lb" | "generator" | "contention" | "fd-limit" | "backlog" | "none";

export interface Latency {
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
  mean: number;
  stdev: number;
}

export interface Errors {
  connect: number;
  read: number;
  write: number;
  timeout: number;
  /** wrk's count: status > 399 */
  status: number;
  /** the server's count of non-2xx answers during the run (exact, any status) */
  non2xx: number;
}

/**
 * One reading of the live sampler (about once a second; ~10 per run in runs under 10 s): the rates are over the
 * interval since the previous reading (the first from wrk's start). Latency is not sampled: see docs/report.md.
 */
export interface RunSample {
  /** seconds since wrk started, at the middle of the stats call */
  t: number;
  /** 2xx responses / s the server counted over the interval */
  rps2xx: number;
  /** connections the load held open, and requests the server had in flight, at t */
  open: number;
  inFlight: number;
  /** each side's CPU over the interval as a % of the CPUs it was given; null = not readable here (hosts) */
  serverOfItsCpusPct: number | null;
  generatorOfItsCpusPct: number | null;
  /** per side over the interval: other tasks' CPU on its CPUs (% of them) and its run-queue wait (ms per s) */
  contention?: {
    serverOtherPct: number | null;
    generatorOtherPct: number | null;
    serverWaitMsPerS: number | null;
    generatorWaitMsPerS: number | null;
  };
}

export interface Measurements {
  /** responses wrk completed, all shards */
  requests: number;
  /** 2xx / s over the steady window, from the server's per-second counters */
  rps: number;
  /** wrk's requests / its measured duration, the whole run including ramp-up */
  rpsWholeRun: number;
  /** after every connection is up, until wrk stops; each side's CPU over it, % of one core (absent in early records) */
  steadyWindow: {
    fromS: number;
    toS: number;
    responses2xx: number;
    serverPct?: number;
    generatorPct?: number;
    /** a fleet's LB (HAProxy), % of one core */
    lbPct?: number;
  } | null;
  latencyUs: Latency;
  /** the percentile the SLO judges, µs */
  judgedUs: number;
  overStubUs: { p50: number; p99: number };
  /** merged latency histogram at 4 significant digits ([lower bound µs, count]); percentiles above are exact */
  histogram: Bucket[];
  errors: Errors;
  serverCounted: {
    requests: number;
    responses: number;
    responses2xx: number;
    aborted: number;
    difference: number;
    /** a fleet: of requests and responses, the answers its LB gave itself (rate limit, no server up) */
    lbOwn?: number;
  };
  connectionsEstablished: number;
  /** seconds from wrk's start until every connection was up (1 s sampling); null = never */
  connectedAtS: number | null;
  /** % of one core; machinePct is the whole machine from /proc/stat (includes softirq network work) */
  cpu: {
    serverPct: number;
    generatorPct: number;
    machinePct: number;
    /** machine − server − wrk: softirq network work plus anything else running; large = a contaminated run */
    otherPct: number;
    cpus: number;
    serverUsPerRequest: number;
    /** each side's CPU as a share of the CPUs it was given (its set; the machine when it floats); absent in early records */
    serverOfItsCpusPct?: number;
    generatorOfItsCpusPct?: number;
    /** wrk CPU µs per completed request (the generator's cost, beside the server's) */
    generatorUsPerRequest?: number;
    /** a fleet's LB as a side of its own: % of one core, of the CPUs it was given, µs per request */
    lbPct?: number;
    lbOfItsCpusPct?: number;
    lbUsPerRequest?: number;
  };
  /**
   * The server's own lateness past the stub over the measured phase, µs (upper bounds of 100 µs buckets): from its
   * handler's start + the stub to the answer written — what the server added, measured inside it. Time a request
   * waited in the server's socket before its handler ran is not in it. `beyond` answers were ≥ beyondUs late.
   * Absent in earlier records; null when the server does not report it (server/peers/).
   */
  serverLateUs?: ServerBucketsUs | null;
  /**
   * How long a request waited before the server's handler ran, µs (same buckets): from the lab's wrk writing it
   * (its stamp, CLOCK_MONOTONIC) to the handler's start — loopback delivery, the socket's queue while the worker's
   * loop was busy or off its CPU. Only where both sides share this machine's clock; absent in earlier records, null
   * when the requests carried no stamp (Debian's wrk, a real remote host, server/peers/).
   */
  beforeHandlerUs?: ServerBucketsUs | null;
  /** paced latency from each request's scheduled slot (the lab's wrk) or from its write (Debian's); absent: write */
  latencyFrom?: "schedule" | "write";
  /**
   * The generator's send lateness (scheduled slot → written), µs, every paced request of every shard merged
   * exactly: the lab's wrk only (null otherwise; Debian's counts only the late ones: paced.late).
   */
  sendLatenessUs?: WrkLatenessUs | null;
  /**
   * wrk's read lateness (the server's write, stamped in its answer → wrk read it), µs, every shard merged exactly:
   * the answer's way back. The lab's wrk on the server's machine only; absent in earlier records, else null.
   */
  readLatenessUs?: WrkLatenessUs | null;
  /**
   * Whose CPU was it, per side, over the steady window (lab contract, "Contention"): null for a side this machine
   * cannot read (another host). Absent in earlier records, null without a steady window.
   */
  contention?: {
    server: SideContention | null;
    generator: SideContention | null;
    /** configs/slo.json's thresholds the bound was judged with */
    thresholds?: { runQueueWaitPct: number; otherTasksCpuPct: number };
  } | null;
  rssBytes: number;
  littleCeilingRps: number;
  paced: { late: number; maxLateUs: number } | null;
  /** samples wrk's coordinated-omission correction had added, removed from the histogram */
  coSyntheticRemoved: number;
  kernel: {
    netstatDelta: Record<string, number>;
    sockstatBefore: Record<string, number>;
    sockstatAfter: Record<string, number>;
  };
  /** the live sampler's readings over the measured phase (absent in records made before they were kept) */
  samples?: RunSample[];
  /** ms from the last wrk exit to the record (report parsing, merge, verdict), without the settle wait */
  pipelineMs: number;
}

/** One side's contention over the steady window: its threads' run-queue wait and other tasks' CPU on its CPUs. */
export interface SideContention {
  cpus: number[];
  /** threads of this side at the window's end whose wait is counted (the server: its event loops) */
  threads: number;
  /** summed over its threads */
  runQueueWaitUs: number;
  /** runQueueWaitUs as a % of the window (one thread waiting the whole window = 100): behind anything, its own too */
  runQueueWaitPct: number;
  /** the part of it behind other tasks: the wait × their share of the busy time on its CPUs */
  waitBehindOthersPct: number;
  /** the worst sampling interval's summed wait (the live line's cadence: 1 s) */
  worstIntervalWaitUs: number;
  /** CPU of tasks that are neither side (nor ksoftirqd's network work) on its CPUs, % of those CPUs */
  otherTasksCpuPct: number;
  /** interrupts and ksoftirqd on its CPUs (network work for both sides), % of those CPUs */
  irqCpuPct: number;
  /** time the hypervisor gave its CPUs to other guests, % of those CPUs */
  stealCpuPct: number;
}

/** A rule of the verdict (the lab contract's "what pass means"); every failed one is a reason. */
export type Rule = "rps" | "errors" | "latency" | "crosscheck" | "connections" | "listen-overflow";

/** One failed rule; people read it as "rule: detail" (reasonText). */
export interface Reason {
  rule: Rule;
  detail: string;
}

export interface Verdict {
  pass: boolean;
  /** every failed rule, in the order judge checks them */
  reasons: Reason[];
}

export interface ResultRecord {
  id: string;
  startedAt: string;
  git: { commit: string | null; dirty: boolean };
  machine: {
    cpus: number;
    model: string;
    ramBytes: number;
    kernel: string;
    node: string;
    wrk: string | null;
  };
  tuning: TuningSnapshot;
  server: {
    url: string;
    workers: number;
    stubMs: number;
    pids: number[];
    primaryPid: number;
    /** "uws", or the comparison peer: "node-http", "fastapi" (absent in early records: uws) */
    impl?: string;
    nativeUws: boolean;
    nofile: { pid: number; soft: number; hard: number }[];
  };
  load: {
    mode: Mode;
    connections: number;
    threads: number;
    shards: number;
    shardConnections: number[];
    durationS: number;
    warmupS: number;
    timeoutS: number;
    targetRps: number;
    commands: string[];
    /** absent in records made before the lab built its own wrk (Debian's 4.1.0 then) */
    generator?: GeneratorBuild;
  };
  slo: Slo;
  measurements: Measurements;
  verdict: Verdict;
  bound: Bound;
  boundWhy: string;
  /** where each side ran; absent in records made before placements (they were shared) */
  placement?: Placement;
  /** SERVERS=n behind HAProxy: a row per server host and the LB's (absent for one server) */
  fleet?: FleetRecord;
}
