// The hosts inventory (configs/hosts/*.json): server host and client hosts, validated with one-line errors.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { InvalidRun } from "../core/cli.ts";

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
}

type Obj = Record<string, unknown>;

export class InventoryReader {
  constructor(readonly path: string) {}

  fail(field: string, why: string): InvalidRun {
    return new InvalidRun(
      `inventory ${this.path}: ${field} ${why} — fix the file (format: configs/hosts/example.json)`,
    );
  }

  obj(v: unknown, field: string): Obj {
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw this.fail(field, "must be an object");
    return v as Obj;
  }

  name(o: Obj, field: string): string {
    const v = o.name;
    if (typeof v !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(v)) {
      throw this.fail(
        `${field}.name`,
        `must be a host name of letters, digits, "._-", got ${JSON.stringify(v)}`,
      );
    }
    return v;
  }

  ssh(o: Obj, field: string, nullable: boolean): string | null {
    const v = o.ssh;
    if (v === null && nullable) return null;
    if (typeof v !== "string" || !/^([A-Za-z_][A-Za-z0-9_.-]*@)?[A-Za-z0-9][A-Za-z0-9.:-]*$/.test(v)) {
      const what = nullable
        ? "an ssh target like root@10.0.0.5, or null for this machine"
        : "an ssh target like root@10.0.0.5";
      throw this.fail(`${field}.ssh`, `must be ${what}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  port(o: Obj, field: string): number {
    const v = o.port ?? 22;
    if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) {
      throw this.fail(`${field}.port`, `must be a TCP port, got ${JSON.stringify(v)}`);
    }
    return v as number;
  }

  cpus(o: Obj, field: string): number[] | null {
    const v = o.cpus ?? null;
    if (v === null) return null;
    if (!Array.isArray(v) || v.length === 0 || !v.every((c) => Number.isInteger(c) && c >= 0 && c < 4096)) {
      throw this.fail(
        `${field}.cpus`,
        `must be null or a non-empty list of CPU ids like [0, 1], got ${JSON.stringify(v)}`,
      );
    }
    return v as number[];
  }

  /** A key path: "~/" expanded, relative paths taken from the inventory's directory. */
  keyPath(v: unknown, field: string): string | null {
    if (v === undefined || v === null) return null;
    if (typeof v !== "string" || v === "")
      throw this.fail(field, `must be a private key path, got ${JSON.stringify(v)}`);
    const p = v.startsWith("~/") ? `${homedir()}${v.slice(1)}` : v;
    return isAbsolute(p) ? p : resolve(dirname(this.path), p);
  }

  str(o: Obj, key: string, field: string, re: RegExp, like: string): string {
    const v = o[key];
    if (typeof v !== "string" || !re.test(v))
      throw this.fail(`${field}.${key}`, `must be ${like}, got ${JSON.stringify(v)}`);
    return v;
  }
}

const NS_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const ADDRESS_RE = /^[A-Za-z0-9][A-Za-z0-9.:-]*$/;

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
  };
  const seen = new Set<string>();
  for (const [i, h] of [inv.server, ...inv.clients].entries()) {
    if (seen.has(h.name))
      throw r.fail(i === 0 ? "server.name" : `clients[${i - 1}].name`, `"${h.name}" is used twice`);
    seen.add(h.name);
  }
  return inv;
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
