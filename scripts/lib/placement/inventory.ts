// The hosts inventory (configs/hosts/*.json): server host, client hosts, a fleet; validated with one-line errors.
import { readFileSync } from "node:fs";
import { InvalidRun } from "../core/cli.ts";
import { type FleetServerHost, type FleetSshHost, type LbHost, parseFleet } from "./inventory-fleet.ts";
import { ADDRESS_RE, InventoryReader } from "./inventory-reader.ts";

export type { FleetServerHost, FleetSshHost, LbHost };

export interface ServerHost {
  name: string;
  /** the address wrk targets */
  address: string;
  /** user@host to start the server over ssh; null = on this machine (inside `netns` when given) */
  ssh: string | null;
  port: number;
  key: string | null;
  /** for a local server: the namespace it runs in (emulated hosts), else null */
  netns: string | null;
  cpus: number[] | null;
}

export interface ClientHost {
  name: string;
  ssh: string;
  port: number;
  key: string;
  cpus: number[] | null;
  /** absolute path of wrk on that host */
  wrk: string;
}

export interface Inventory {
  path: string;
  /** namespace the lab runs ssh/scp from (emulated hosts are reachable only inside the lab's namespaces) */
  controlNetns: string | null;
  /** the user's opt-in for real machines ("allowRemote": true); never set by a test or a lab run */
  allowRemote: boolean;
  server: ServerHost;
  clients: ClientHost[];
  /** a fleet's server hosts (the lab's server pushed and started over ssh on each); [] without a fleet */
  servers: FleetServerHost[];
  /** the fleet's load-balancer host (HAProxy there, over ssh); null without a fleet */
  lb: LbHost | null;
}

const NS_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

function server(r: InventoryReader, v: unknown, key: string | null): ServerHost {
  const o = r.obj(v, "server");
  const ssh = r.ssh(o, "server", true);
  const netns = o.netns ?? null;
  if (netns !== null && (typeof netns !== "string" || !NS_RE.test(netns))) {
    throw r.fail("server.netns", `must be a namespace name or null, got ${JSON.stringify(netns)}`);
  }
  if (netns !== null && ssh !== null)
    throw r.fail("server.netns", "applies only to a local server (ssh null)");
  const own = r.keyPath(o.key, "server.key") ?? key;
  if (ssh !== null && own === null) throw r.fail("server.key", 'is missing (and no top-level "key")');
  return {
    name: r.name(o, "server"),
    address: r.str(o, "address", "server", ADDRESS_RE, "an IP address or host name"),
    ssh,
    port: r.port(o, "server"),
    key: own,
    netns: netns as string | null,
    cpus: r.cpus(o, "server"),
  };
}

function client(r: InventoryReader, v: unknown, i: number, key: string | null): ClientHost {
  const field = `clients[${i}]`;
  const o = r.obj(v, field);
  const own = r.keyPath(o.key, `${field}.key`) ?? key;
  if (own === null) throw r.fail(`${field}.key`, 'is missing (and no top-level "key")');
  return {
    name: r.name(o, field),
    ssh: r.ssh(o, field, false) as string,
    port: r.port(o, field),
    key: own,
    cpus: r.cpus(o, field),
    wrk: r.str(o, "wrk", field, /^\/\S*$/, 'an absolute path like "/usr/bin/wrk"'),
  };
}

/** Parse and validate an inventory object read from path. */
export function parseInventory(raw: unknown, path: string): Inventory {
  const r = new InventoryReader(path);
  const top = r.obj(raw, "the top level");
  const key = r.keyPath(top.key, "key");
  const controlNetns = top.controlNetns ?? null;
  if (controlNetns !== null && (typeof controlNetns !== "string" || !NS_RE.test(controlNetns))) {
    throw r.fail("controlNetns", `must be a namespace name or null, got ${JSON.stringify(controlNetns)}`);
  }
  if (!Array.isArray(top.clients) || top.clients.length === 0)
    throw r.fail("clients", "must be a non-empty list");
  const allowRemote = top.allowRemote ?? false;
  if (typeof allowRemote !== "boolean") throw r.fail("allowRemote", "must be true or false");
  const inv: Inventory = {
    path,
    controlNetns: controlNetns as string | null,
    allowRemote,
    server: server(r, top.server, key),
    clients: top.clients.map((c, i) => client(r, c, i, key)),
    ...parseFleet(r, top, key),
  };
  const seen = new Set<string>();
  for (const [i, h] of [inv.server, ...inv.clients].entries()) {
    if (seen.has(h.name))
      throw r.fail(i === 0 ? "server.name" : `clients[${i - 1}].name`, `"${h.name}" is used twice`);
    seen.add(h.name);
  }
  sameMachines(r, inv);
  return inv;
}

// NOTE: the fleet and the one-server placement are two uses of the hosts: a name may be in both (make fleet-up
// names its first server host "server" too), but then it must be the same machine: same ssh target and address.
function sameMachines(r: InventoryReader, inv: Inventory): void {
  const single = new Map<string, { ssh: string | null; address?: string }>([
    [inv.server.name, inv.server],
    ...inv.clients.map((c): [string, { ssh: string }] => [c.name, c]),
  ]);
  const fleet: [string, FleetSshHost][] = inv.servers.map((h, i) => [`servers[${i}]`, h]);
  if (inv.lb) fleet.push(["lb", inv.lb]);
  for (const [field, h] of fleet) {
    const o = single.get(h.name);
    if (o && (o.ssh !== h.ssh || (o.address !== undefined && o.address !== h.address)))
      throw r.fail(`${field}.name`, `"${h.name}" names another host (its ssh or address differs)`);
  }
}

export function loadInventory(path: string): Inventory {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InvalidRun(
      `inventory ${path}: ${(e as NodeJS.ErrnoException).code ?? "unreadable"} — give an existing file (make fleet-up writes one)`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InvalidRun(`inventory ${path}: not JSON (${(e as Error).message}) — fix the file`);
  }
  return parseInventory(raw, path);
}
