// Plausible result.json records for tests of what reads results/ (notes): built from a few numbers, never committed.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Bound, Mode, Reason, ResultRecord } from "../../scripts/lib/contract/record.ts";
import type { LoadedResult } from "../../scripts/lib/results/run-dir.ts";

export interface FixtureSpec {
  workers: number;
  mode: Mode;
  connections: number;
  rps: number;
  p99Ms: number;
  /** failed rules; none = PASS */
  reasons?: Reason[];
  targetRps?: number;
  stubMs?: number;
  bound?: Bound;
  cpuUsPerRequest?: number;
  rssBytes?: number;
  /** seconds after 2026-01-01T00:00:00Z, keeps ids unique and ordered */
  at: number;
  impl?: string;
  /** split: the server on CPU 1, wrk on CPU 0 (recorded as such); absent: an old record without placement (shared) */
  placement?: "split";
  /** the tuning in force, over the defaults below */
  tuning?: Partial<ResultRecord["tuning"]>;
  /** recorded from a tree with uncommitted changes */
  dirty?: boolean;
  generatorUsPerRequest?: number;
  /** server CPU, % of one core (default 50); a split run also records it over the steady window and of its CPU */
  serverPct?: number;
}

export const MiB = 2 ** 20;

const FIXTURE_MACHINE: ResultRecord["machine"] = {
  cpus: 2,
  model: "Test CPU",
  ramBytes: 24 * 2 ** 30,
  kernel: "6.1.0",
  node: "v20",
  wrk: "4.1.0",
};

const FIXTURE_TUNING: ResultRecord["tuning"] = {
  nofileSoft: 20000,
  nofileHard: 20000,
  nrOpen: 1048576,
  fileMax: 2000000,
  somaxconn: 4096,
  tcpMaxSynBacklog: 8192,
  ipLocalPortRange: [1024, 65535],
  tcpTwReuse: 2,
  netdevMaxBacklog: 16384,
  tcpFinTimeout: 15,
};

export function fixtureRecord(f: FixtureSpec): ResultRecord {
  const stubMs = f.stubMs ?? 200;
  const started = new Date(Date.UTC(2026, 0, 1) + f.at * 1000);
  const stamp = started.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const id = `${stamp}-${f.mode}-w${f.workers}-c${f.connections}`;
  const reasons = f.reasons ?? [];
  const server = {
    url: "http://127.0.0.1:8000",
    workers: f.workers,
    stubMs,
    pids: Array.from({ length: f.workers }, (_, i) => 1001 + i),
    primaryPid: 1000,
    nativeUws: f.impl === undefined,
    nofile: Array.from({ length: f.workers }, (_, i) => ({ pid: 1001 + i, soft: 20000, hard: 20000 })),
    ...(f.impl ? { impl: f.impl } : {}),
  };
  return {
    id,
    startedAt: started.toISOString(),
    git: { commit: null, dirty: f.dirty ?? false },
    machine: FIXTURE_MACHINE,
    tuning: { ...FIXTURE_TUNING, ...f.tuning },
    server,
    load: {
      mode: f.mode,
      connections: f.connections,
      threads: 2,
      shards: 1,
      shardConnections: [f.connections],
      durationS: 10,
      warmupS: 3,
      timeoutS: 2,
      targetRps: f.targetRps ?? f.connections,
      commands: ["wrk …"],
    },
    slo: {
      targetRps: f.targetRps ?? f.connections,
      rpsTolerancePct: 1,
      connections: f.connections,
      stubMs,
      overheadBudgetMs: 20,
      durationS: 10,
      percentile: 99,
    },
    measurements: fixtureMeasurements(f, stubMs),
    verdict: { pass: reasons.length === 0, reasons },
    bound: f.bound ?? "none",
    boundWhy: f.bound === "generator" ? "wrk threads saturated" : "no resource saturated",
    ...(f.placement ? { placement: splitPlacement() } : {}),
  };
}

/** The measurements of a fixture run: its p99, RPS and costs; every other figure plausible and consistent. */
function fixtureMeasurements(f: FixtureSpec, stubMs: number): ResultRecord["measurements"] {
  const p99 = f.p99Ms * 1000;
  // NOTE: a closed loop keeps one request per connection in flight, so its mean latency is connections ÷ rps.
  const mean = f.mode === "saturate" ? Math.min(p99, (f.connections / f.rps) * 1e6) : stubMs * 1000 + 1500;
  const requests = Math.round(f.rps * 10);
  return {
    requests,
    rps: f.rps,
    rpsWholeRun: f.rps * 0.97,
    steadyWindow: {
      fromS: 1,
      toS: 9,
      responses2xx: Math.round(f.rps * 8),
      ...(f.placement ? { serverPct: f.serverPct ?? 50, generatorPct: 50 } : {}),
    },
    latencyUs: { min: stubMs * 1000, p50: mean, p90: mean, p99, p99_9: p99, max: p99, mean, stdev: 100 },
    judgedUs: p99,
    overStubUs: { p50: mean - stubMs * 1000, p99: p99 - stubMs * 1000 },
    histogram: [[p99, requests]],
    errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0, non2xx: 0 },
    serverCounted: { requests, responses: requests, responses2xx: requests, aborted: 0, difference: 0 },
    connectionsEstablished: f.connections,
    connectedAtS: 1,
    cpu: {
      serverPct: f.serverPct ?? 50,
      generatorPct: 50,
      machinePct: 100,
      otherPct: 0,
      cpus: 2,
      serverUsPerRequest: f.cpuUsPerRequest ?? 20,
      ...(f.placement ? { serverOfItsCpusPct: f.serverPct ?? 50, generatorOfItsCpusPct: 50 } : {}),
      ...(f.generatorUsPerRequest ? { generatorUsPerRequest: f.generatorUsPerRequest } : {}),
    },
    rssBytes: f.rssBytes ?? (f.workers + 1) * 80 * MiB + f.connections * 8 * 1024,
    littleCeilingRps: f.connections / (stubMs / 1000),
    paced: null,
    coSyntheticRemoved: 0,
    kernel: { netstatDelta: {}, sockstatBefore: {}, sockstatAfter: {} },
    pipelineMs: 10,
  };
}

function splitPlacement(): NonNullable<ResultRecord["placement"]> {
  return {
    kind: "split",
    server: { host: "local", address: "127.0.0.1", cpus: [1] },
    generator: [{ host: "local", cpus: [0], shards: 1, threads: 2 }],
  };
}

/** The records as loadResults() returns them: each with its directory name, newest first. */
export function fixtureResults(specs: FixtureSpec[]): LoadedResult[] {
  return specs
    .map((s) => fixtureRecord(s))
    .map((record) => ({ dir: record.id, record }))
    .sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt));
}

/** Write each record to dir/<id>/result.json; returns the ids. */
export function writeFixtures(dir: string, specs: FixtureSpec[]): string[] {
  return specs.map((s) => {
    const r = fixtureRecord(s);
    mkdirSync(join(dir, r.id), { recursive: true });
    writeFileSync(join(dir, r.id, "result.json"), JSON.stringify(r));
    return r.id;
  });
}
