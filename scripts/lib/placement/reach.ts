// Where the lab may send traffic: loopback or its own namespaces' addresses, checked as IPs; else a user's opt-in.
import { BlockList, isIP } from "node:net";
import { InvalidRun } from "../core/cli.ts";
import type { Inventory } from "./inventory.ts";
import { isLabAddress, loadNetConfig, type NetConfig } from "./net-config.ts";

// NOTE: ::ffff:127.0.0.0/104 is IPv4 loopback written as IPv6 (BlockList maps it, but say it anyway).
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/** The opt-in for real machines: ALLOW_REMOTE=1 (make passes it through), or an inventory's "allowRemote". */
export function remoteAllowed(inv?: Inventory): boolean {
  return process.env.ALLOW_REMOTE === "1" || inv?.allowRemote === true;
}

/** "[::1]" (a URL's hostname) → "::1"; anything else as it is. */
const unbracket = (host: string): string => host.replace(/^\[(.*)\]$/, "$1");

/** An IP literal on loopback (127.0.0.0/8, ::1), or the name localhost. */
export function isLoopbackAddress(host: string): boolean {
  const a = unbracket(host).toLowerCase();
  if (a === "localhost") return true;
  const v = isIP(a);
  return v !== 0 && LOOPBACK.check(a, v === 4 ? "ipv4" : "ipv6");
}

/** Refuse a target outside loopback and the lab's namespaces (exit 2, one line) unless `allowRemote`. */
export function guardTarget(what: string, host: string, allowRemote: boolean, cfg?: NetConfig): void {
  if (allowRemote || isLoopbackAddress(host)) return;
  const c = cfg ?? loadNetConfig();
  const a = unbracket(host);
  if (isLabAddress(a, c)) return;
  const kind = isIP(a) ? "address" : "name (not an IP)";
  throw new InvalidRun(
    `${what}: ${kind} ${host} is outside loopback (127.0.0.0/8, ::1) and the lab's namespaces (${c.subnet}) — the lab sends nothing elsewhere; for real machines set ALLOW_REMOTE=1 (or "allowRemote": true in the inventory) on purpose`,
  );
}

const hostOf = (sshTarget: string): string => sshTarget.replace(/^[^@]*@/, "");

/**
 * Every address an inventory makes the lab reach (server, a fleet's servers and LB, ssh targets). An inventory of the lab's own
 * namespaces must also start its ssh from the lab's hub namespace, or it would follow the root's default route.
 */
export function guardInventory(inv: Inventory): void {
  const cfg = loadNetConfig();
  const allow = remoteAllowed(inv);
  const named: [string, string][] = [
    [inv.server.name, inv.server.address],
    ...(inv.server.ssh ? [[inv.server.name, hostOf(inv.server.ssh)] as [string, string]] : []),
    ...inv.clients.map((c): [string, string] => [c.name, hostOf(c.ssh)]),
    ...[...inv.servers, ...(inv.lb ? [inv.lb] : [])].flatMap((h): [string, string][] => [
      [h.name, h.address],
      [h.name, hostOf(h.ssh)],
    ]),
  ];
  for (const [name, a] of named) guardTarget(`${inv.path}: host ${name}`, a, allow, cfg);
  const hub = `${cfg.prefix}hub`;
  const inLab = named.some(([, a]) => isLabAddress(a, cfg));
  if (inLab && inv.controlNetns !== hub) {
    throw new InvalidRun(
      `${inv.path}: controlNetns is ${JSON.stringify(inv.controlNetns)}, but addresses in ${cfg.subnet} are reached only from the lab's hub namespace "${hub}" — use the inventory make fleet-up prints`,
    );
  }
}
