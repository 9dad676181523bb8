// Emulated hosts: a hub namespace with a bridge, a server and K client namespaces on veth pairs; up, down, cleanup.
import { InvalidRun } from "../core/cli.ts";
import { checkInterrupted } from "../core/interrupt.ts";
import { must, requireRoot, run } from "../core/shell.ts";
import { exited, type Known, know, present, REAP_MS, signalEach, waitUntil } from "../processes/gone.ts";
import { loadNetConfig, type NetConfig } from "./net-config.ts";
import { applyNsSysctls, ipv6Off } from "./ns-sysctl.ts";
import {
  hostsOf,
  type NetnsOptions,
  type NsHost,
  namespacesOf,
  planTopology,
  type Topology,
} from "./topology.ts";

export { inNetns } from "./topology.ts";

// NOTE: network safety — nothing here touches the root namespace beyond `ip netns add/del` (a mount under
// /run/netns): every link is created directly inside a lab namespace (`ip -n HUB link add … peer … netns NS`),
// the bridge's address lives in the hub namespace, and no route is added anywhere (the /24 is on-link). The
// lab's addresses exist only in its namespaces; from the root namespace they are unreachable by design.

const FIX = "run make netns-clean, then retry (needs root and iproute2)";

const ip = (args: string[], what: string): Promise<string> => must(["ip", ...args], what, FIX);

/** Names of existing namespaces ("labx-c1 (id: 3)" → "labx-c1"). */
export async function listNamespaces(): Promise<string[]> {
  const out = await run(["ip", "netns", "list"]);
  return out.stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/)[0] ?? "")
    .filter((n) => n !== "");
}

/** One host namespace on a veth pair to t's bridge, its address, its sysctls (cfg's). */
export async function addHost(t: Topology, h: NsHost, cfg: NetConfig): Promise<void> {
  await ip(["netns", "add", h.ns], `creating namespace ${h.ns}`);
  await ipv6Off(h.ns);
  h.sysctls = await applyNsSysctls(h.ns, cfg.sysctls);
  await ip(
    ["-n", t.hub.ns, "link", "add", h.ns, "type", "veth", "peer", "name", h.ifname, "netns", h.ns],
    `veth for ${h.ns}`,
  );
  await ip(
    ["-n", t.hub.ns, "link", "set", h.ns, "master", t.hub.bridge, "up"],
    `joining ${h.ns} to the bridge`,
  );
  await ip(
    ["-n", h.ns, "addr", "add", `${h.address}/24`, "dev", h.ifname],
    `address ${h.address} in ${h.ns}`,
  );
  await ip(["-n", h.ns, "link", "set", h.ifname, "up"], `${h.ifname} up in ${h.ns}`);
  await ip(["-n", h.ns, "link", "set", "lo", "up"], `lo up in ${h.ns}`);
}

/** Create the hub, the server and opts.clients client namespaces; on any failure or interrupt, undo all. */
export async function netnsUp(opts: NetnsOptions, cfg: NetConfig = loadNetConfig()): Promise<Topology> {
  requireRoot("netns-up", "creates network namespaces");
  const t = planTopology(cfg, opts);
  const taken = new Set(await listNamespaces());
  const clash = namespacesOf(t).find((n) => taken.has(n));
  if (clash) {
    throw new InvalidRun(
      `namespace ${clash} already exists (a fleet is up, or a killed run left it) — run make fleet-down or make netns-clean`,
    );
  }
  try {
    await ip(["netns", "add", t.hub.ns], `creating namespace ${t.hub.ns}`);
    await ipv6Off(t.hub.ns);
    await ip(["-n", t.hub.ns, "link", "set", "lo", "up"], `lo up in ${t.hub.ns}`);
    await ip(["-n", t.hub.ns, "link", "add", t.hub.bridge, "type", "bridge"], "creating the bridge");
    await ip(["-n", t.hub.ns, "addr", "add", `${t.hub.address}/24`, "dev", t.hub.bridge], "bridge address");
    await ip(["-n", t.hub.ns, "link", "set", t.hub.bridge, "up"], "bridge up");
    for (const h of hostsOf(t)) {
      if (opts.signal) checkInterrupted(opts.signal);
      await addHost(t, h, cfg);
    }
    return t;
  } catch (e) {
    await netnsDown(t);
    throw e;
  }
}

/** Every process inside ns but this one, as `ip netns pids` lists them (see killInNamespace's NOTE). */
export async function pidsInNamespace(ns: string): Promise<number[]> {
  return (await run(["ip", "netns", "pids", ns])).stdout
    .split("\n")
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
}

/** Send s to each pid; one already gone is skipped. */
export function signalPids(pids: readonly number[], s: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, s);
    } catch {
      // already gone
    }
  }
}

// NOTE: `ip netns pids` finds a process by its /proc/<pid>/ns/net, which the kernel drops as soon as the process
// starts to exit (before its sockets are closed) and a zombie never has: an empty list does not mean the processes
// are gone. Workers whose primary died before reaping them stay zombies until PID 1 reaps them (≈ 1.5 s later on
// this VM), and the fleet's Ctrl-C test found them there right after teardown. So every pid ever listed is
// remembered with its start time and waited for until /proc has no trace of it, reaped by its parent or PID 1.
/** Stop every process inside ns: `first` (SIGTERM), SIGKILL of what still runs after graceMs, then wait (≤ reapMs)
 * until each is reaped; the pids still there after that (none, normally). */
export async function killInNamespace(
  ns: string,
  graceMs = 2000,
  first: NodeJS.Signals = "SIGTERM",
  reapMs = REAP_MS,
): Promise<number[]> {
  const seen = new Map<number, Known>();
  const listed = async (s: NodeJS.Signals): Promise<Known[]> => {
    const fresh = know(await pidsInNamespace(ns)).filter((k) => !seen.has(k.pid));
    for (const k of fresh) seen.set(k.pid, k);
    signalEach(fresh, s); // a process that entered ns meanwhile gets the signal the others had
    return [...seen.values()];
  };
  await listed(first);
  signalEach(await waitUntil(() => listed(first), exited, graceMs, 50), "SIGKILL");
  const left = await waitUntil(
    () => listed("SIGKILL"),
    (k) => !present(k),
    reapMs,
    50,
  );
  return left.map((k) => k.pid);
}

/** Remove one namespace (its processes first); absent is fine. Its veth pairs go with it. */
export async function removeNamespace(ns: string): Promise<void> {
  if (!(await listNamespaces()).includes(ns)) return;
  await killInNamespace(ns);
  const out = await run(["ip", "netns", "del", ns]);
  if (!out.ok && (await listNamespaces()).includes(ns)) {
    throw new InvalidRun(`cannot remove namespace ${ns}: ${out.stderr.trim()} — ${FIX}`);
  }
}

/** Undo netnsUp: the topology's namespaces, hosts first, the hub last. Safe to run twice. */
export async function netnsDown(t: Topology): Promise<void> {
  for (const ns of namespacesOf(t)) await removeNamespace(ns);
}

/** Everything named with the prefix: namespaces (and the processes in them) and stray root-namespace links. */
export async function netnsCleanup(prefix = loadNetConfig().prefix): Promise<string[]> {
  requireRoot("netns-clean", "creates network namespaces");
  const removed: string[] = [];
  const ours = (await listNamespaces()).filter((n) => n.startsWith(prefix));
  // NOTE: hub last, so host namespaces never see their bridge vanish while their processes still run.
  ours.sort((a, b) => Number(a === `${prefix}hub`) - Number(b === `${prefix}hub`));
  for (const ns of ours) {
    await removeNamespace(ns);
    removed.push(`netns ${ns}`);
  }
  // NOTE: the lab never makes links in the root namespace; this only catches one a foreign tool or an older
  // version left, and only if it carries the prefix.
  for (const link of await rootLinks(prefix)) {
    await run(["ip", "link", "del", link]);
    removed.push(`link ${link}`);
  }
  return removed;
}

/** Root-namespace links whose name starts with prefix ("5: labx-c1@if2: <…" → "labx-c1"). */
export async function rootLinks(prefix: string): Promise<string[]> {
  const out = await run(["ip", "-o", "link", "show"]);
  return out.stdout
    .split("\n")
    .map((l) => (l.split(":")[1] ?? "").trim().split("@")[0] ?? "")
    .filter((n) => n.startsWith(prefix));
}
