// HAProxy's view of one fleet server over time: poll its stats socket until the server is marked DOWN, or UP again.
import { setTimeout as sleep } from "node:timers/promises";
import type { RunningHaproxy } from "../processes/haproxy.ts";
import { BACKEND } from "../processes/haproxy-config.ts";
import { type StatRow, serverRows } from "../processes/haproxy-stats.ts";

export interface Marked {
  /** ms from `since` until HAProxy's row first showed the state */
  ms: number;
  /** the server's row then */
  row: StatRow;
}

// NOTE: "UP 1/2" (a check failed, not yet DOWN) still takes traffic and counts as UP; "DOWN 1/2" (a check passed, not
// yet UP) still counts as DOWN. The row's state is HAProxy's decision, not the last check's.
/** Poll every pollMs until HAProxy has server `name` in state `want`; throws naming the state after timeoutMs. */
export async function untilMarked(
  lb: RunningHaproxy,
  name: string,
  want: "up" | "down",
  since: number,
  timeoutMs = 10_000,
  pollMs = 5,
): Promise<Marked> {
  let last = "no row";
  while (performance.now() - since < timeoutMs) {
    const row = serverRows(await lb.stat(), BACKEND).find((r) => r.name === name);
    if (row && row.up === (want === "up")) return { ms: performance.now() - since, row };
    if (row) last = `${row.status} (check ${row.checkStatus})`;
    await sleep(pollMs);
  }
  throw new Error(`HAProxy did not mark ${name} ${want.toUpperCase()} within ${timeoutMs} ms: ${last}`);
}
