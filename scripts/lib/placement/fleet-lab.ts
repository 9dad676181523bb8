// A fleet at work: the lab server in every server host's namespace, HAProxy in the LB's in front of them all.

import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { settleAll } from "../core/settle.ts";
import { type RunningHaproxy, startHaproxy } from "../processes/haproxy.ts";
import { BACKEND, type HaproxySpec } from "../processes/haproxy-config.ts";
import { serverRows } from "../processes/haproxy-stats.ts";
import { type RunningServer, startServer } from "../processes/server.ts";
import type { FleetNetns } from "./fleet-netns.ts";
import { inNetns, type NsHost } from "./topology.ts";

export interface FleetLabSpec {
  fleet: FleetNetns;
  workers: number;
  /** the port every server listens on in its own namespace, and the LB's */
  port: number;
  stubMs: number;
  /** client connections: sizes HAProxy's maxconn */
  connections: number;
  /** HAProxy's threads per process */
  nbthread: number;
  /** HAProxy processes sharing the port (1) */
  lbProcesses?: number;
  /** HAProxy's knobs beyond the fleet's shape (rate limit, check timing) */
  lb?: Pick<
    HaproxySpec,
    | "rateLimit"
    | "checkInterMs"
    | "checkFastInterMs"
    | "fall"
    | "rise"
    | "clientIdleMs"
    | "markDownAfterErrors"
  >;
  readyTimeoutMs?: number;
}

export interface FleetMember {
  host: NsHost;
  server: RunningServer;
}

export interface FleetLab {
  members: FleetMember[];
  lb: RunningHaproxy;
  /** what wrk targets: the LB */
  url: string;
  /**
   * Start host's server again (same namespace, address, port and admin socket) once the old one has gone (a lost
   * host back); it replaces the member's entry. HAProxy's checks bring it UP on their own.
   */
  restart: (host: string) => Promise<FleetMember>;
  /** HAProxy, then every server; the namespaces stay (the fleet's down removes them) */
  stop: () => Promise<void>;
}

// NOTE: each server's stats come from its primary's admin socket in the fleet's run dir (the lab in the root
// namespace reaches it through the shared filesystem), never from its listener beyond loopback.
/** The lab server on one server host: its address, the fleet's port, its admin socket (a stale one is replaced). */
async function startMember(s: FleetLabSpec, host: NsHost): Promise<FleetMember> {
  const server = await startServer({
    ...{ host: host.address, port: s.port, workers: s.workers, stubMs: s.stubMs },
    ...{
      adminSocket: join(s.fleet.runDir, `${host.name}-admin.sock`),
      prefix: inNetns(host.ns, [], host.cpus),
    },
  });
  return { host, server };
}

async function startMembers(s: FleetLabSpec, started: FleetMember[]): Promise<void> {
  await settleAll(s.fleet.servers.map(async (host) => started.push(await startMember(s, host))));
  started.sort((a, b) => a.host.name.localeCompare(b.host.name, "en", { numeric: true }));
}

// NOTE: per process: each HAProxy process checks every server on its own, and one still counting a server's
// checks toward UP sends it nothing (the merged row would read it up as soon as any process does).
/** Until every HAProxy process has checked every server UP (L7OK), or timeoutMs. */
export async function waitAllUp(lb: Pick<RunningHaproxy, "statEach">, timeoutMs = 10_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  let last = "";
  while (performance.now() < until) {
    const each = (await lb.statEach()).map((rows) => serverRows(rows, BACKEND));
    if (each.every((rows) => rows.length > 0 && rows.every((r) => r.up && r.checkStatus === "L7OK"))) return;
    last = each
      .map(
        (rows, i) =>
          `process ${i + 1}: ${rows.map((r) => `${r.name} ${r.status} ${r.checkStatus}`).join(", ")}`,
      )
      .join("; ");
    await sleep(50);
  }
  throw new Error(`HAProxy did not see every server UP in ${timeoutMs} ms: ${last}`);
}

export async function startFleetLab(s: FleetLabSpec): Promise<FleetLab> {
  const members: FleetMember[] = [];
  let lb: RunningHaproxy | null = null;
  // NOTE: HAProxy first (no new request reaches a draining server), the servers even when its stop failed.
  let stopped = false;
  const stop = async (): Promise<void> => {
    stopped = true;
    try {
      await lb?.stop();
    } finally {
      await settleAll(members.map((m) => m.server.stop()));
    }
  };
  const lbHost = s.fleet.lb;
  try {
    await startMembers(s, members);
    lb = await startHaproxy({
      dir: join(s.fleet.runDir, "haproxy"),
      prefix: inNetns(lbHost.ns, [], lbHost.cpus),
      processes: s.lbProcesses,
      config: {
        ...s.lb,
        ...{ bind: { address: lbHost.address, port: s.port }, connections: s.connections },
        ...{ nbthread: s.nbthread, stubMs: s.stubMs },
        servers: members.map((m) => ({ name: m.host.name, address: m.host.address, port: s.port })),
      },
    });
    await waitAllUp(lb, s.readyTimeoutMs);
  } catch (e) {
    await stop();
    throw e;
  }
  const restart = async (name: string): Promise<FleetMember> => {
    if (stopped) throw new Error(`the fleet is stopped: no restart of ${name}`);
    const i = members.findIndex((m) => m.host.name === name);
    const old = members[i];
    if (!old) throw new Error(`no server host ${name} in the fleet`);
    await old.server.stop();
    const back = await startMember(s, old.host);
    members[i] = back;
    return back;
  };
  return { members, lb, url: `http://${lbHost.address}:${s.port}/ping/`, restart, stop };
}
