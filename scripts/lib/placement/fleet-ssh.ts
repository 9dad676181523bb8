// A fleet on an inventory's hosts over ssh: checked, the server pushed to and started on each server host, HAProxy on the LB.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { InvalidRun } from "../core/cli.ts";
import { checkInterrupted, Interrupted } from "../core/interrupt.ts";
import { settleAll } from "../core/settle.ts";
import type { HaproxyStart } from "../processes/haproxy.ts";
import { renderHaproxyConfig } from "../processes/haproxy-config.ts";
import { checkFdBudget } from "../processes/haproxy-fds.ts";
import { fetchLabStats } from "../processes/lab-stats.ts";
import { type FleetLabSpec, waitAllUp } from "./fleet-lab.ts";
import { checkLbHost, checkServerHost, type LbHostCheck, type ServerHostCheck } from "./fleet-ssh-check.ts";
import { startSshLb } from "./fleet-ssh-lb.ts";
import { BUNDLE, bundleServer, packServer, pushServer, type ServerPayload } from "./fleet-ssh-push.ts";
import { makeRunDir, runDirOf, sweepRunDir } from "./fleet-ssh-sweep.ts";
import type { FleetView, FleetViewMember } from "./fleet-view.ts";
import { sshFor } from "./host-check.ts";
import { type Inventory, type LbHost, loadInventory } from "./inventory.ts";
import { guardInventory } from "./reach.ts";
import { sharesPids, startRemoteServer } from "./remote-server.ts";
import type { SshHost } from "./ssh.ts";

export interface SshFleetSpec extends Omit<FleetLabSpec, "fleet"> {
  /** an inventory naming "servers" and "lb": its path, or it parsed */
  inventory: string | Inventory;
  /** Ctrl-C: the start unwinds (everything made so far undone) and Interrupted is thrown */
  signal?: AbortSignal;
}

/** An inventory that names a fleet. */
export type FleetInventory = Inventory & { lb: LbHost };

export interface SshFleetLab extends FleetView {
  inventory: FleetInventory;
  /** each host's run dir, by host name (/tmp/labx-<id>-<host>); stop removes them */
  runDirs: Record<string, string>;
  /** bytes of the tarball pushed to each server host */
  pushedBytes: number;
  checks: { servers: ServerHostCheck[]; lb: LbHostCheck };
}

interface Run {
  inv: FleetInventory;
  spec: SshFleetSpec;
  /** control sockets, known_hosts, the bundle and the forwarded sockets, here */
  stateDir: string;
  /** the run's id: each host's run dir is runDirOf(id, host) */
  id: string;
  servers: SshHost[];
  lb: SshHost;
  undo: (() => Promise<void>)[];
}

const dirOf = (r: Run, s: SshHost): string => runDirOf(r.id, s.spec.name);

function fleetInventory(spec: SshFleetSpec): FleetInventory {
  const inv = typeof spec.inventory === "string" ? loadInventory(spec.inventory) : spec.inventory;
  guardInventory(inv);
  if (inv.lb === null)
    throw new InvalidRun(
      `inventory ${inv.path} names no fleet — add "servers" and "lb" (make fleet-up SERVERS=2 writes one)`,
    );
  return inv as FleetInventory;
}

async function check(r: Run): Promise<SshFleetLab["checks"]> {
  const all = [...r.servers, r.lb];
  await settleAll(all.map((s) => s.connect()));
  const [servers, lb] = await Promise.all([
    settleAll(r.inv.servers.map((h, i) => checkServerHost(r.servers[i] as SshHost, h, r.inv.path))),
    checkLbHost(r.lb, r.inv.lb, r.inv.path),
  ]);
  return { servers, lb };
}

// NOTE: the sweep is queued before the mkdirs, so a start that fails half-way still removes every dir it made.
async function push(r: Run, checks: ServerHostCheck[]): Promise<number> {
  r.undo.push(() =>
    settleAll([...r.servers, r.lb].map((s) => sweepRunDir(s, dirOf(r, s)))).then(() => undefined),
  );
  await settleAll([...r.servers, r.lb].map((s) => makeRunDir(s, dirOf(r, s))));
  await bundleServer(r.stateDir);
  const payloads = new Map<string, ServerPayload>();
  for (const c of checks)
    if (!payloads.has(c.uwsBinary)) payloads.set(c.uwsBinary, await packServer(r.stateDir, c.uwsBinary));
  const ps = checks.map((c) => payloads.get(c.uwsBinary) as ServerPayload);
  await settleAll(r.servers.map((s, i) => pushServer(s, ps[i] as ServerPayload, dirOf(r, s))));
  return Math.max(...ps.map((p) => p.bytes));
}

async function startServers(r: Run): Promise<FleetViewMember[]> {
  const s = r.spec;
  const stops: (() => Promise<void>)[] = [];
  r.undo.push(() => settleAll(stops.map((stop) => stop())).then(() => undefined));
  return settleAll(
    r.inv.servers.map(async (h, i) => {
      const localSock = join(r.stateDir, `${h.name}-admin.sock`);
      const dir = runDirOf(r.id, h.name);
      const srv = await startRemoteServer(r.servers[i] as SshHost, {
        ...{ address: h.address, port: s.port, workers: s.workers, stubMs: s.stubMs, localSock },
        launch: { dir, node: h.node, entry: [`${dir}/${BUNDLE}`] },
        remoteSock: `${dir}/admin.sock`,
        readyTimeoutMs: s.readyTimeoutMs,
      });
      stops.push(srv.stop);
      const member: FleetViewMember = {
        host: { name: h.name, address: h.address },
        statsBase: srv.statsBase,
        stats: () => fetchLabStats(srv.statsBase),
      };
      return member;
    }),
  );
}

const urlOf = (address: string, port: number): string =>
  `http://${address.includes(":") ? `[${address}]` : address}:${port}/ping/`;

/** Check, push, start the servers, then HAProxy; on any failure or Ctrl-C everything made so far is undone. */
async function bringUp(r: Run): Promise<Omit<SshFleetLab, "stop">> {
  const step = (): void => {
    if (r.spec.signal) checkInterrupted(r.spec.signal);
  };
  const s = r.spec;
  const config: HaproxyStart["config"] = {
    ...s.lb,
    ...{ bind: { address: r.inv.lb.address, port: s.port }, connections: s.connections },
    ...{ nbthread: s.nbthread, stubMs: s.stubMs },
    servers: r.inv.servers.map((h) => ({ name: h.name, address: h.address, port: s.port })),
  };
  // NOTE: what HAProxy's config would refuse (a server name it cannot take, a bad knob) before anything is started.
  renderHaproxyConfig({ ...config, statsSocket: "/dry-run.sock" });
  const checks = await check(r);
  if (checks.lb.nofileHard !== null) checkFdBudget(config, checks.lb.nofileHard);
  step();
  const pushedBytes = await push(r, checks.servers);
  step();
  const members = await startServers(r);
  step();
  const lb = await startSshLb({
    ...{ ssh: r.lb, host: r.inv.lb, runDir: dirOf(r, r.lb), config },
    ...{ localSock: join(r.stateDir, "lb-stats.sock"), readyTimeoutMs: s.readyTimeoutMs },
  });
  r.undo.push(lb.stop);
  await waitAllUp(lb, s.readyTimeoutMs).catch((e: Error) => {
    throw new InvalidRun(
      `${e.message} (HAProxy on host ${r.inv.lb.name}) — can the LB reach the servers' addresses?`,
    );
  });
  step();
  const localPids = (await settleAll([...r.servers, r.lb].map(sharesPids))).every(Boolean);
  return {
    ...{ inventory: r.inv, pushedBytes, checks, members, lb, localPids },
    runDirs: Object.fromEntries([...r.servers, r.lb].map((h) => [h.spec.name, dirOf(r, h)])),
    url: urlOf(r.inv.lb.address, s.port),
  };
}

/**
 * The fleet of an inventory's "servers" and "lb" over ssh: nothing installed there (node ≥ 20 on each server host
 * and haproxy on the LB are checked first: a missing one is one line, exit 2). The server is pushed as one bundle
 * into /tmp/labx-<id>-<host> on each server host, HAProxy's rendered config into the LB's; both are started
 * over ssh (BatchMode, one ControlMaster per host) and read through stats sockets the masters forward here.
 * NOTE: forwarded, not `ssh host node -e <client>` per read: nothing is needed on the LB beyond haproxy, and a read
 * costs 2.5 ms here against ≈ 400 ms and 39 ms of the host's own CPU (node's start) — measured on the fleet.
 * stop(): HAProxy, the servers, then a sweep of each host's run dir (every process in it ended, the dir removed).
 */
export async function startSshFleetLab(spec: SshFleetSpec): Promise<SshFleetLab> {
  const inv = fleetInventory(spec);
  const stateDir = mkdtempSync("/tmp/labx-ssh-");
  const undo: (() => Promise<void>)[] = [async () => rmSync(stateDir, { recursive: true, force: true })];
  const servers = inv.servers.map((h) => sshFor(inv, h, stateDir));
  const lb = sshFor(inv, inv.lb, stateDir);
  for (const s of [...servers, lb]) undo.push(() => s.close());
  const id = randomBytes(6).toString("hex");
  const stop = teardown(undo);
  try {
    const lab = await bringUp({ inv, spec, stateDir, id, servers, lb, undo });
    return { ...lab, stop };
  } catch (e) {
    const left = await stop().then(
      () => "",
      (t: Error) => `; the teardown too: ${t.message}`,
    );
    if (spec.signal?.aborted && !left) throw new Interrupted();
    if (left && e instanceof Error) throw new InvalidRun(`${e.message}${left}`);
    throw e;
  }
}

// NOTE: each undo step on its own: one that fails (a host unreachable, something left) does not keep the rest
// from running; the first failure is thrown once all ran. Twice is fine: the second call waits for the first.
function teardown(undo: (() => Promise<void>)[]): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  return () => {
    stopping ??= (async () => {
      const failed: unknown[] = [];
      for (const u of undo.splice(0).reverse()) await u().catch((e: unknown) => failed.push(e));
      if (failed.length > 0) throw failed[0];
    })();
    return stopping;
  };
}
