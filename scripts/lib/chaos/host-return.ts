// A lost host brought back: its server restarted in its namespace, the time until HAProxy has it UP, its share after.
import { sleep } from "../core/sleep.ts";
import { untilMarked } from "../placement/fleet-health.ts";
import type { FleetLab } from "../placement/fleet-lab.ts";
import { FRONTEND } from "../processes/haproxy-config.ts";
import { proxyRow } from "../processes/haproxy-stats.ts";
import { fetchLabStats } from "../processes/lab-stats.ts";
import type { AtKill } from "./host-loss.ts";

export interface HostReturn {
  /** ms from the restart until its server printed ready; from then until HAProxy marked it UP (null: not within upWithinMs) */
  readyMs: number;
  upAfterReadyMs: number | null;
  /** HAProxy's last word on it when it did not come UP */
  notUp: string | null;
  /** over windowMs right after UP: requests its server counted, requests the LB's frontend took, the share (0–1) */
  windowMs: number;
  served: number;
  total: number;
  share: number | null;
  /** wrk still ran when the window closed (else the share speaks of its last requests, not of the rate) */
  windowInRun: boolean;
}

async function counters(lab: FleetLab, statsBase: string): Promise<{ served: number; total: number }> {
  const [s, rows] = await Promise.all([fetchLabStats(statsBase), lab.lb.stat()]);
  return { served: s.requests, total: proxyRow(rows, FRONTEND, "frontend").reqTot };
}

/** Restart the killed host's server, wait for UP (upWithinMs from its ready line), then count its share for windowMs. */
export async function bringBack(
  lab: FleetLab,
  k: AtKill,
  wrkEndsAt: number,
  o: { upWithinMs: number; windowMs: number },
): Promise<HostReturn> {
  const name = k.victim.host.name;
  const restartAt = performance.now();
  const back = await lab.restart(name);
  const readyMs = performance.now() - restartAt;
  const none = { served: 0, total: 0, share: null, windowInRun: false, windowMs: o.windowMs };
  const up = await untilMarked(lab.lb, name, "up", restartAt + readyMs, o.upWithinMs, 20).catch(
    (e: Error) => e,
  );
  if (up instanceof Error) return { readyMs, upAfterReadyMs: null, notUp: up.message, ...none };
  const a = await counters(lab, back.server.statsBase);
  await sleep(o.windowMs);
  const b = await counters(lab, back.server.statsBase);
  const windowInRun = performance.now() <= wrkEndsAt;
  const [served, total] = [b.served - a.served, b.total - a.total];
  const share = total > 0 ? served / total : null;
  return { readyMs, upAfterReadyMs: up.ms, notUp: null, ...none, served, total, share, windowInRun };
}
