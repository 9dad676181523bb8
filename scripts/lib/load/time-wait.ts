// Before a run: wait for the client ports' TIME_WAIT sockets to drain when they crowd the ephemeral range.
import { sleep } from "../core/sleep.ts";

import { readSockstat } from "../machine/kernel-counters.ts";
import { portRangeSize } from "../machine/limits.ts";

const TIME_WAIT_MAX_WAIT_S = 70;

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
