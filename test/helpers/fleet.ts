// Fleet tests' plumbing: a fleet behind HAProxy in labt namespaces, paced wrk from a client host, counters before/after.
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import os from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { errorCount } from "../../scripts/lib/load/lb-cost-types.ts";
import { procStat } from "../../scripts/lib/machine/proc.ts";
import { type FleetLab, type FleetLabSpec, startFleetLab } from "../../scripts/lib/placement/fleet-lab.ts";
import { type FleetNetns, withFleetNetns } from "../../scripts/lib/placement/fleet-netns.ts";
import { loadNetConfig, type NetConfig } from "../../scripts/lib/placement/net-config.ts";
import { listNamespaces, rootLinks } from "../../scripts/lib/placement/netns.ts";
import { haproxyPath } from "../../scripts/lib/processes/haproxy.ts";
import { fetchLabStats } from "../../scripts/lib/processes/lab-stats.ts";
import type { WrkReport } from "../../scripts/lib/processes/wrk-report.ts";
import { testPrefix } from "./netns.ts";

export const FLEET_PREFIX = testPrefix("h");

/** Why a fleet test cannot run here, or false. */
export function fleetSkip(): string | false {
  if (process.getuid?.() !== 0) return "needs root (ip netns)";
  if (os.cpus().length < 2) return "needs 2 CPUs";
  return !existsSync(haproxyPath()) && "HAProxy is not unpacked: run haproxy/get.sh (make deps)";
}

export const STUB = 200;
export const INTER = 1000;
export const FAST = 200;
export const CONNS = 400;
export const fleetCfg = (): NetConfig => ({ ...loadNetConfig(), prefix: FLEET_PREFIX });

export type LabOptions = Omit<FleetLabSpec, "fleet">;

/** 2 workers per server, HAProxy on one thread, checks every second (200 ms in a transition), fall 2, rise 2. */
export const BASE: LabOptions = {
  ...{ workers: 2, port: 8000, stubMs: STUB, connections: CONNS, nbthread: 1 },
  lb: { checkInterMs: INTER, checkFastInterMs: FAST, fall: 2, rise: 2 },
};

/** Every pid of the fleet: HAProxy, each server's primary and workers. */
export async function fleetPids(lab: FleetLab): Promise<number[]> {
  const pids = [...lab.lb.pids];
  for (const m of lab.members) pids.push(m.server.pid, ...(await fetchLabStats(m.server.statsBase)).pids);
  return pids;
}

/** Two server hosts (CPU 1), the LB (CPU 1), one client (CPU 0). */
export const SHAPE = { servers: 2, clients: 1, serverCpus: [1], lbCpus: [1], clientCpus: [0] };

/** The fleet of SHAPE with spec's lab on it; fn gets both, then everything is stopped and removed. */
export function withFleetLab<T>(
  spec: LabOptions,
  fn: (f: FleetNetns, lab: FleetLab) => Promise<T>,
): Promise<T> {
  return withFleetNetns(
    SHAPE,
    async (f) => {
      const lab = await startFleetLab({ ...spec, fleet: f });
      try {
        return await fn(f, lab);
      } finally {
        await lab.stop();
      }
    },
    fleetCfg(),
  );
}

import type { delta } from "../../scripts/lib/load/fleet-counters.ts";

export { delta, type Snap, snapshot } from "../../scripts/lib/load/fleet-counters.ts";
export { type Paced, pacedWrk } from "../../scripts/lib/load/fleet-wrk.ts";

/** Let requests still in flight at the servers be answered (wrk has gone, HAProxy still waits for them). */
export const settle = (stubMs: number): Promise<void> => sleep(stubMs + 400);

/** What a fleet test may leave: nothing with its prefix (namespaces, links, /run entries), no process of pids. */
export async function leftovers(pids: number[], prefix = FLEET_PREFIX): Promise<string[]> {
  const left = [
    ...(await listNamespaces()).filter((n) => n.startsWith(prefix)).map((n) => `netns ${n}`),
    ...(await rootLinks(prefix)).map((l) => `link ${l}`),
    ...readdirSync("/run")
      .filter((f) => f.startsWith(prefix))
      .map((f) => `/run/${f}`),
  ];
  for (const pid of pids) {
    try {
      process.kill(pid, 0);
      const st = procStat(pid);
      left.push(`process ${pid}${st ? ` (${st.comm}, state ${st.state}, parent ${st.ppid})` : ""}`);
    } catch {
      // gone
    }
  }
  return left;
}

/**
 * A paced run through the LB, counted three ways: no wrk error; the LB's 2xx = wrk's + at most one in flight per
 * connection; each server's row ≥ 30 % of them, its own 2xx exactly the LB's row (checks are counted apart).
 */
export function assertFleetCounts(
  rep: WrkReport,
  d: ReturnType<typeof delta>,
): { total: number; inFlight: number } {
  const total = d.front["2xx"];
  assert.equal(errorCount(rep.summary.errors), 0, `wrk errors ${JSON.stringify(rep.summary.errors)}`);
  const inFlight = total - rep.summary.requests;
  assert.ok(inFlight >= 0 && inFlight <= CONNS, `LB 2xx ${total} vs wrk ${rep.summary.requests}`);
  assert.equal(
    d.perServer.reduce((s, r) => s + r.lb2xx, 0),
    total,
    "the servers' rows sum to the frontend",
  );
  for (const r of d.perServer) {
    assert.ok(r.lb2xx >= 0.3 * total, `${r.name} got ${r.lb2xx} of ${total}`);
    assert.equal(r.served, r.lb2xx, `${r.name}: served ${r.served}, LB ${r.lb2xx}`);
  }
  return { total, inFlight };
}
