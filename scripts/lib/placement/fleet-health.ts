// HAProxy's view of one fleet server over time: poll its stats socket until the server is marked DOWN, or UP again.
import { setTimeout as sleep } from "node:timers/promises";
import type { RunningHaproxy } from "../processes/haproxy.ts";
import { BACKEND } from "../processes/haproxy-config.ts";
import { mergeStatRows } from "../processes/haproxy-merge.ts";
import { type StatRow, serverRows } from "../processes/haproxy-stats.ts";

export interface Marked {
  /** ms from `since` until HAProxy's row first showed the state */
  ms: number;
  /** the server's row then */
  row: StatRow;
}

// NOTE: "UP 1/2" (a check failed, not yet DOWN) still takes traffic and counts as UP; "DOWN 1/2" (a check passed, not
// yet UP) still counts as DOWN. The row's state is HAProxy's decision, not the last check's. Several HAProxy
// processes each decide on their own: the server is marked when every one of them has it so.
/** Poll every pollMs until HAProxy has server `name` in state `want`; throws naming the state after timeoutMs. */
export async function untilMarked(
  lb: Pick<RunningHaproxy, "statEach">,
  name: string,
  want: "up" | "down",
  since: number,
  timeoutMs = 10_000,
  pollMs = 5,
): Promise<Marked> {
  let last = "no row";
  while (performance.now() - since < timeoutMs) {
    const each = await lb.statEach();
    const rows = each.map((r) => serverRows(r, BACKEND).find((x) => x.name === name));
    const row = serverRows(mergeStatRows(each), BACKEND).find((r) => r.name === name);
    if (row && rows.every((r) => r?.up === (want === "up"))) return { ms: performance.now() - since, row };
    if (row) last = `${row.status} (check ${row.checkStatus})`;
    await sleep(pollMs);
  }
  throw new Error(`HAProxy did not mark ${name} ${want.toUpperCase()} within ${timeoutMs} ms: ${last}`);
}
