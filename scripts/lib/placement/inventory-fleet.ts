// An inventory's fleet: server hosts ("servers") behind a load-balancer host ("lb"), each reached over ssh.
import { ADDRESS_RE, type InventoryReader, type Obj } from "./inventory-reader.ts";

/** A host of the fleet: the lab pushes what it runs there and starts it over ssh. */
export interface FleetSshHost {
  name: string;
  /** where HAProxy reaches a server / where wrk reaches the LB */
  address: string;
  /** user@host */
  ssh: string;
  port: number;
  key: string;
  /** the CPU set it was given (recorded; processes run where its sshd puts them), null = all */
  cpus: number[] | null;
}

export interface FleetServerHost extends FleetSshHost {
  /** node on that host: an absolute path, or "node" (found on its login PATH) */
  node: string;
}

export interface LbHost extends FleetSshHost {
  /** absolute path of haproxy on that host */
  haproxy: string;
}

/** Debian's paths: `node` on the login PATH, haproxy from `apt-get install haproxy`. */
export const DEFAULT_NODE = "node";
export const DEFAULT_HAPROXY = "/usr/sbin/haproxy";

function sshHost(r: InventoryReader, v: unknown, field: string, key: string | null): [Obj, FleetSshHost] {
  const o = r.obj(v, field);
  const own = r.keyPath(o.key, `${field}.key`) ?? key;
  if (own === null) throw r.fail(`${field}.key`, 'is missing (and no top-level "key")');
  const host: FleetSshHost = {
    name: r.name(o, field),
    address: r.str(o, "address", field, ADDRESS_RE, "an IP address or host name"),
    ssh: r.ssh(o, field, false) as string,
    port: r.port(o, field),
    key: own,
    cpus: r.cpus(o, field),
  };
  return [o, host];
}

function server(r: InventoryReader, v: unknown, i: number, key: string | null): FleetServerHost {
  const field = `servers[${i}]`;
  const [o, host] = sshHost(r, v, field, key);
  const node =
    o.node === undefined
      ? DEFAULT_NODE
      : r.str(o, "node", field, /^(\/\S*|node)$/, 'an absolute path or "node"');
  return { ...host, node };
}

function lb(r: InventoryReader, v: unknown, key: string | null): LbHost {
  const [o, host] = sshHost(r, v, "lb", key);
  const like = 'an absolute path like "/usr/sbin/haproxy"';
  const haproxy = o.haproxy === undefined ? DEFAULT_HAPROXY : r.str(o, "haproxy", "lb", /^\/\S*$/, like);
  return { ...host, haproxy };
}

/** `servers` and `lb`, both or neither: [] and null when the inventory names no fleet. */
export function parseFleet(
  r: InventoryReader,
  top: Obj,
  key: string | null,
): { servers: FleetServerHost[]; lb: LbHost | null } {
  const [hasServers, hasLb] = [top.servers != null, top.lb != null];
  if (!hasServers && !hasLb) return { servers: [], lb: null };
  if (!hasLb) throw r.fail("lb", 'is missing: "servers" need a load-balancer host in front of them');
  if (!Array.isArray(top.servers) || top.servers.length === 0)
    throw r.fail("servers", 'must be a non-empty list (the hosts behind "lb")');
  const servers = top.servers.map((s, i) => server(r, s, i, key));
  const seen = new Set<string>();
  for (const [i, s] of servers.entries()) {
    if (seen.has(s.name)) throw r.fail(`servers[${i}].name`, `"${s.name}" is used twice`);
    seen.add(s.name);
  }
  const l = lb(r, top.lb, key);
  if (seen.has(l.name)) throw r.fail("lb.name", `"${l.name}" is also a server host's name`);
  return { servers, lb: l };
}
