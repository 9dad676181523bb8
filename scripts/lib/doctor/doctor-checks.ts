// Doctor checks: every limit and kernel setting a run of N connections needs, judged OK / WARN / FAIL with a fix.

import { nofileLimits } from "../machine/limits.ts";
import { fdTableChecks, nofileChecks, shardCheck } from "./doctor-fds.ts";
import { hostChecks } from "./doctor-host.ts";
import { backlogChecks, portChecks } from "./doctor-net.ts";
import type { Check, RunShape } from "./doctor-row.ts";

export type { Check, RunShape, Status } from "./doctor-row.ts";

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
