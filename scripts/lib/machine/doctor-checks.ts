// Doctor checks: every limit and kernel setting a run of N connections needs, judged OK / WARN / FAIL with a fix.

import { fdTableChecks, nofileChecks, shardCheck } from "./doctor-fds.ts";
import { hostChecks } from "./doctor-host.ts";
import { backlogChecks, portChecks } from "./doctor-net.ts";
import { nofileLimits } from "./limits.ts";

export type Status = "OK" | "WARN" | "FAIL";

export interface Check {
  name: string;
  current: string;
  needed: string;
  status: Status;
  fix: string;
}

export interface RunShape {
  connections: number;
  workers: number;
  /** wrk -t per shard */
  wrkThreads: number;
  /** wrk processes; 0 = auto (planShards from our soft open-files limit) */
  shards: number;
  /** when a server is running, its worker pids */
  serverPids?: number[];
  /** when a server is running, whether it loaded the native uWS binary */
  serverNativeUws?: boolean;
}

/** Every check for a run of this shape, in display order. */
export function runChecks(shape: RunShape): Check[] {
  let self: { soft: number; hard: number } | null = null;
  try {
    self = nofileLimits("self");
  } catch {}
  const { check: shard, shards } = shardCheck(shape, self?.soft ?? null);
  return [
    ...nofileChecks(shape, self),
    shard,
    ...fdTableChecks(shape, shards),
    ...backlogChecks(shape),
    ...portChecks(shape),
    ...hostChecks(shape, shards),
  ];
}

/** The checks that make the run impossible (exit 2). */
export function blocking(checks: Check[]): Check[] {
  return checks.filter((c) => c.status === "FAIL");
}
