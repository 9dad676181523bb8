// make lab's target, placed: the server on its own CPUs (split), floating (shared), in emulated hosts (netns), on an
// inventory's hosts (hosts), or a fleet behind HAProxy (SERVERS=n); and what is refused before anything starts.
import { InvalidRun } from "../core/cli.ts";
import { Interrupted, interruptSignal } from "../core/interrupt.ts";
import { nofileLimits } from "../machine/limits.ts";
import type { StatsSource } from "../processes/fleet-stats.ts";
import { checkFdBudget, connectionsPerLb, lbProcessesFor } from "../processes/haproxy-fds.ts";
import { startServer } from "../processes/server.ts";
import { formatCpuList } from "./cpus.ts";
import { startFleetRun } from "./fleet-run.ts";
import { startHostsLab } from "./hosts-lab.ts";
import { loadInventory } from "./inventory.ts";
import { localPlacement, type PlacementArgs } from "./local.ts";
import { startNetnsLab } from "./netns-lab.ts";
import { guardInventory } from "./reach.ts";
import type { PlacementRequest } from "./run-placement.ts";
import { loweredText, lowerShield, raiseShield } from "./shield.ts";

/** What can be refused before anything changes on the machine: a shield off split, an inventory's addresses. */
export function refuseEarly(a: LabArgs): void {
  if (a.shield && a.placement !== "split") throw new InvalidRun("--shield needs PLACEMENT=split (SHIELD=1)");
  if (a.placement === "hosts" && a.hosts) guardInventory(loadInventory(a.hosts));
  if (a["rate-limit"] > 0 && a.servers === 0)
    throw new InvalidRun("RATE_LIMIT (--rate-limit) is the LB's: give SERVERS=n (a fleet behind HAProxy)");
  if (a.servers > 0 && a.placement === "shared")
    throw new InvalidRun(
      `SERVERS=${a.servers} (--servers) runs a fleet on hosts of its own (namespaces, or HOSTS=<inventory>): drop PLACEMENT=shared`,
    );
  if (a.servers > 0 && a.shield)
    throw new InvalidRun("SHIELD=1 is for one server (split): drop it with SERVERS");
  if (a["lb-processes"] > 0 && a.servers === 0)
    throw new InvalidRun(
      "LB_PROCESSES (--lb-processes) is the LB's: give SERVERS=n (a fleet behind HAProxy)",
    );
  if (a.servers > 0) refuseLb(a);
}

// NOTE: each HAProxy process's fd budget (2 sockets per connection under the hard limit), before anything starts.
// Over ssh (HOSTS=) the LB host runs one process, whose own limit is checked there too (placement/fleet-ssh.ts).
function refuseLb(a: LabArgs): void {
  const spec = { connections: a.connections, servers: Array.from({ length: a.servers }) };
  if (a.placement === "hosts" && a["lb-processes"] > 1)
    throw new InvalidRun(
      "LB_PROCESSES > 1 is for a fleet in the lab's namespaces: over ssh the LB host runs one",
    );
  const k = a.placement === "hosts" ? 1 : lbProcessesOf(a);
  checkFdBudget(spec, undefined, k);
  if (a["rate-limit"] > 0 && k > 1) {
    const why = a["lb-processes"] > 0 ? `LB_PROCESSES=${k}` : `${a.connections} connections need ${k}`;
    throw new InvalidRun(
      `RATE_LIMIT needs one HAProxy process (each keeps its own stick table: the limit would be per process), but ${why} — run ≤ ${connectionsPerLb(nofileLimits("self").hard, a.servers)} connections with it, one process`,
    );
  }
}

/** The fleet's HAProxy processes: LB_PROCESSES, else the fewest whose fds the connections fit. */
export const lbProcessesOf = (a: Pick<LabArgs, "connections" | "servers" | "lb-processes">): number =>
  a["lb-processes"] || lbProcessesFor(a.connections, a.servers);

export type LabArgs = PlacementArgs & {
  workers: number;
  port: number;
  clients: number;
  servers: number;
  "rate-limit": number;
  "lb-processes": number;
  connections: number;
  hosts?: string;
  shield: boolean;
};

export interface Target {
  output: () => string;
  url: string;
  statsBase: StatsSource;
  request: PlacementRequest;
  stop: () => Promise<void>;
}

/** The server, placed: on its own CPUs here (split), floating (shared), or inside emulated hosts (netns). */
export async function startTarget(a: LabArgs, stubMs: number): Promise<Target> {
  // NOTE: a refusal (InvalidRun) or an interrupt is said as it is; anything else is the server not starting.
  const failed = (e: Error): never => {
    if (e instanceof InvalidRun || e instanceof Interrupted) throw e;
    throw new InvalidRun(`the server did not start: ${e.message.split("\n").slice(-1)[0]}`);
  };
  const spec = { workers: a.workers, port: a.port, stubMs };
  if (a.servers > 0 && a.placement !== "hosts") return startFleetTarget(a, spec).catch(failed);
  if (a.placement === "netns") {
    const cpus = { serverCpus: a["server-cpus"], generatorCpus: a["generator-cpus"] };
    const lab = await startNetnsLab({
      ...spec,
      ...cpus,
      clients: a.clients,
      signal: interruptSignal(),
    }).catch(failed);
    const t = lab.topology;
    process.stderr.write(
      `placement: netns — server ${t.server.ns} ${t.server.address}, clients ${t.clients.map((c) => c.ns).join(", ")}\n`,
    );
    return { ...lab, output: lab.server.output, statsBase: lab.server.statsBase };
  }
  if (a.placement === "hosts") return startHostsTarget(a, spec);
  const place = localPlacement(a);
  process.stderr.write(`placement: ${place.label}\n`);
  const server = await startServer({ ...spec, prefix: place.serverPrefix }).catch(failed);
  const request = { ...place.request };
  if (a.shield && place.serverCpus) {
    const cpus = place.serverCpus;
    try {
      request.shieldedTasks = raiseShield(cpus).tasks.length;
    } catch (e) {
      await server.stop();
      throw e;
    }
    process.stderr.write(
      `shield: ${request.shieldedTasks} other tasks moved off CPUs ${formatCpuList(cpus)} for the run (\`make unshield\` puts them back if this run is killed)\n`,
    );
  }
  // NOTE: the shield comes down before the server drains: put back even when the stop fails.
  const stop = () => {
    if (request.shieldedTasks !== undefined) process.stderr.write(`shield: ${loweredText(lowerShield())}\n`);
    return server.stop().then(() => {});
  };
  return { output: server.output, url: `${server.url}/ping/`, statsBase: server.statsBase, request, stop };
}

/** PLACEMENT=hosts: the inventory's server and client hosts, over ssh (placement/hosts-lab.ts). */
async function startHostsTarget(a: LabArgs, spec: { workers: number; port: number; stubMs: number }) {
  if (!a.hosts)
    throw new InvalidRun("--placement hosts needs --hosts <inventory> (make fleet-up prints one)");
  const fleet =
    a.servers > 0
      ? { servers: a.servers, connections: a.connections, rateLimit: a["rate-limit"] }
      : undefined;
  const lab = await startHostsLab({
    ...spec,
    inventory: a.hosts,
    fleet: fleet && { ...fleet, signal: interruptSignal() },
  });
  const inv = lab.inventory;
  const clients = `clients ${inv.clients.map((c) => c.name).join(", ")} (${inv.path})`;
  const servers = inv.servers.slice(0, a.servers).map((h) => `${h.name} ${h.address}`);
  process.stderr.write(
    inv.lb && a.servers > 0
      ? `placement: fleet over ssh — HAProxy ${inv.lb.name} ${inv.lb.address}, servers ${servers.join(", ")}, ${clients}\n`
      : `placement: hosts — server ${inv.server.name} ${inv.server.address}, ${clients}\n`,
  );
  return lab;
}

/** SERVERS=n: n server hosts behind HAProxy in the lab's namespaces, wrk in the client hosts (placement/fleet-run.ts). */
async function startFleetTarget(a: LabArgs, spec: { workers: number; port: number; stubMs: number }) {
  const run = await startFleetRun({
    ...spec,
    ...{ servers: a.servers, clients: a.clients, connections: a.connections, signal: interruptSignal() },
    rateLimit: a["rate-limit"],
    lbProcesses: lbProcessesOf(a),
    ...{ serverCpus: a["server-cpus"], generatorCpus: a["generator-cpus"] },
  });
  process.stderr.write(`placement: ${run.label}\n`);
  return run;
}
