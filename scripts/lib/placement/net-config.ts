// configs/net.json: the emulated hosts' name prefix, private subnet, host numbers and per-namespace sysctls.
import { readFileSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { join } from "node:path";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";

export interface NetConfig {
  /** every namespace, link and state dir the lab makes starts with it (LAB_NETNS_PREFIX overrides) */
  prefix: string;
  /** "a.b.c" of the /24 */
  net24: string;
  subnet: string;
  /** the bridge's address in the hub namespace: where the lab's ssh and probes start from */
  hubHost: number;
  serverHost: number;
  firstClientHost: number;
  maxClients: number;
  sshPort: number;
  sysctls: Record<string, string>;
}

export const NET_CONFIG = join(ROOT, "configs", "net.json");

/** Every namespace, link and /run entry the tests make starts with it (test/helpers/netns.ts); netns-clean sweeps it. */
export const TEST_PREFIX = "labt";

// NOTE: interface names are at most 15 bytes; the longest the lab makes is `${prefix}hub` / `${prefix}c99`.
const PREFIX_RE = /^[a-z][a-z0-9]{0,9}-$/;
const PRIVATE_RE = /^(10\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+|192\.168\.\d+)\.0\/24$/;

function bad(field: string, why: string): InvalidRun {
  return new InvalidRun(`${NET_CONFIG}: "${field}" ${why} — fix configs/net.json`);
}

function hostNumber(raw: Record<string, unknown>, field: string): number {
  const v = raw[field];
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 254) {
    throw bad(field, `must be a host number from 1 to 254, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

function sysctls(raw: unknown): Record<string, string> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    throw bad("sysctls", "must be an object");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!/^net\.[a-z0-9_.]+$/.test(k)) throw bad(`sysctls.${k}`, "must be a net.* sysctl (per namespace)");
    if (typeof v !== "string" && typeof v !== "number")
      throw bad(`sysctls.${k}`, "must be a string or number");
    out[k] = String(v);
  }
  return out;
}

export function loadNetConfig(path = NET_CONFIG, env = process.env): NetConfig {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new InvalidRun(
      `cannot read ${path}: ${(e as Error).message.split("\n")[0]} — restore configs/net.json`,
    );
  }
  const prefix = env.LAB_NETNS_PREFIX ?? raw.prefix;
  if (typeof prefix !== "string" || !PREFIX_RE.test(prefix)) {
    throw new InvalidRun(
      `namespace prefix ${JSON.stringify(prefix)} must be 1-10 lowercase letters/digits and a "-", like "labx-" — fix LAB_NETNS_PREFIX or configs/net.json`,
    );
  }
  const subnet = raw.subnet;
  if (typeof subnet !== "string" || !PRIVATE_RE.test(subnet)) {
    throw bad(
      "subnet",
      `must be a private a.b.c.0/24 (10/8, 172.16/12, 192.168/16), got ${JSON.stringify(subnet)}`,
    );
  }
  const hubHost = hostNumber(raw, "hubHost");
  const serverHost = hostNumber(raw, "serverHost");
  const firstClientHost = hostNumber(raw, "firstClientHost");
  const maxClients = raw.maxClients;
  if (!Number.isInteger(maxClients) || (maxClients as number) < 1 || (maxClients as number) > 99) {
    throw bad("maxClients", "must be an integer from 1 to 99");
  }
  const inClients = (n: number): boolean =>
    n >= firstClientHost && n < firstClientHost + (maxClients as number);
  if (firstClientHost + (maxClients as number) - 1 > 254 || inClients(serverHost) || inClients(hubHost)) {
    throw bad(
      "firstClientHost",
      "with maxClients must stay within .1-.254 and not cover serverHost or hubHost",
    );
  }
  if (hubHost === serverHost) throw bad("hubHost", "must differ from serverHost");
  const sshPort = raw.sshPort;
  if (!Number.isInteger(sshPort) || (sshPort as number) < 1 || (sshPort as number) > 65535) {
    throw bad("sshPort", "must be a TCP port");
  }
  return {
    prefix,
    net24: subnet.replace(/\.0\/24$/, ""),
    subnet,
    hubHost,
    serverHost,
    firstClientHost,
    maxClients: maxClients as number,
    sshPort: sshPort as number,
    sysctls: sysctls(raw.sysctls),
  };
}

/** An IP address inside the lab's own namespaces (configs/net.json's subnet, as a CIDR; names never match). */
export function isLabAddress(host: string, cfg: NetConfig = loadNetConfig()): boolean {
  const [net, bits] = cfg.subnet.split("/");
  const lab = new BlockList();
  lab.addSubnet(net ?? "", Number(bits), "ipv4");
  return isIP(host) === 4 && lab.check(host, "ipv4");
}
