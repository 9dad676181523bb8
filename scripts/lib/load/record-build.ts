// A run's ResultRecord, built purely from its parts: setup, environment, shards, measurements, verdict, bound.

import type { FleetRecord } from "../contract/fleet.ts";
import type { GeneratorBuild } from "../contract/generator-build.ts";
import type { Placement } from "../contract/placement.ts";
import type { Bound, Measurements, Mode, ResultRecord, Verdict } from "../contract/record.ts";
import type { Slo } from "../core/slo.ts";
import type { LabStats } from "../processes/lab-stats.ts";
import type { ShardSpec } from "../processes/wrk.ts";
import type { Capacity } from "./checks.ts";

export interface RecordParts {
  id: string;
  startedAt: Date;
  /** read at the end of the run: git commit, machine, kernel tuning */
  env: Pick<ResultRecord, "git" | "machine" | "tuning">;
  /** the server's origin and its stats just before the measured phase */
  base: string;
  before: LabStats;
  cap: Capacity;
  load: { mode: Mode; threads: number; warmupS: number; timeoutS: number; generator?: GeneratorBuild };
  shardSpecs: Pick<ShardSpec, "connections" | "command">[];
  slo: Slo;
  m: Measurements;
  verdict: Verdict;
  bound: { bound: Bound; why: string };
  placement: Placement;
  fleet?: FleetRecord;
}

export function buildRecord(p: RecordParts): ResultRecord {
  return {
    id: p.id,
    startedAt: p.startedAt.toISOString(),
    git: p.env.git,
    machine: p.env.machine,
    tuning: p.env.tuning,
    server: {
      url: p.base,
      workers: p.before.workers,
      stubMs: p.slo.stubMs,
      pids: p.before.pids,
      primaryPid: p.before.primaryPid,
      impl: p.before.impl ?? "uws",
      nativeUws: p.before.nativeUws ?? false,
      nofile: p.cap.workerNofile,
    },
    load: {
      mode: p.load.mode,
      connections: p.slo.connections,
      threads: p.load.threads,
      shards: p.cap.shards,
      shardConnections: p.shardSpecs.map((s) => s.connections),
      durationS: p.slo.durationS,
      warmupS: p.load.warmupS,
      timeoutS: p.load.timeoutS,
      targetRps: p.slo.targetRps,
      commands: p.shardSpecs.map((s) => s.command),
      ...(p.load.generator ? { generator: p.load.generator } : {}),
    },
    slo: p.slo,
    measurements: p.m,
    verdict: p.verdict,
    bound: p.bound.bound,
    boundWhy: p.bound.why,
    placement: p.placement,
    ...(p.fleet ? { fleet: p.fleet } : {}),
  };
}
