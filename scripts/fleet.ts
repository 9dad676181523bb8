// Emulated hosts on this machine: netns-up/-down/clean (namespaces only), up/down (a fleet with sshd), check.
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Argv } from "yargs";
import { InvalidRun } from "./lib/core/cli.ts";
import { driver } from "./lib/core/driver.ts";
import { checkInterrupted, interruptSignal } from "./lib/core/interrupt.ts";
import { type FleetUpOptions, fleetDown, fleetUp } from "./lib/placement/fleet.ts";
import { checkFleet } from "./lib/placement/fleet-ssh-check.ts";
import { checkHost, sshFor } from "./lib/placement/host-check.ts";
import { loadInventory } from "./lib/placement/inventory.ts";
import { loadNetConfig, TEST_PREFIX } from "./lib/placement/net-config.ts";
import { netnsCleanup, netnsDown, netnsUp } from "./lib/placement/netns.ts";
import { probeConnect } from "./lib/placement/probe.ts";
import { guardInventory } from "./lib/placement/reach.ts";
import { ensureDir, fleetDir, loadTopology, saveTopology, topologyPath } from "./lib/placement/state.ts";
import { hostsOf, type NetnsOptions, type NsHost, type Topology } from "./lib/placement/topology.ts";

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function describe(t: Topology, servers: NsHost[] = []): void {
  say(
    `hub      ${t.hub.ns.padEnd(12)} bridge ${t.hub.bridge} ${t.hub.address}/24 (exists only inside the lab's namespaces)`,
  );
  for (const h of [...hostsOf(t), ...servers]) {
    const cpus = h.cpus ? `cpus ${h.cpus.join(",")}` : "all cpus";
    const role = servers.length > 0 && h === t.server ? "lb" : h.role;
    say(`${role.padEnd(8)} ${h.ns.padEnd(12)} ${h.address.padEnd(13)} ${cpus}`);
  }
  const s = t.server.sysctls;
  say(
    `sysctls (each host): ${Object.entries(s)
      .map(([k, v]) => `${k.replace(/^net\.(ipv4|core)\./, "")}=${v}`)
      .join(" ")}`,
  );
}

/** Measured, not asserted: connect times client → server (a listener on port 9 of the server namespace). */
async function probe(t: Topology): Promise<void> {
  for (const c of t.clients) {
    const p = await probeConnect(c, t.server);
    say(
      `tcp connect ${p.from} → ${p.to}: p50 ${p.p50Ms} ms, min ${p.minMs} ms, max ${p.maxMs} ms (${p.samples} samples)`,
    );
  }
}

async function netnsUpCmd(opts: NetnsOptions, doProbe: boolean): Promise<number> {
  const cfg = loadNetConfig();
  const t = await netnsUp(opts, cfg);
  try {
    checkInterrupted(interruptSignal());
    const path = saveTopology(ensureDir(fleetDir(cfg.prefix)), t);
    describe(t);
    if (doProbe) await probe(t);
    checkInterrupted(interruptSignal());
    say(path);
    return 0;
  } catch (e) {
    await netnsDown(t);
    throw e;
  }
}

async function netnsDownCmd(): Promise<number> {
  const cfg = loadNetConfig();
  const t = loadTopology(fleetDir(cfg.prefix));
  if (t === null) {
    say(
      `no topology recorded in ${fleetDir(cfg.prefix)}: nothing to take down (make netns-clean removes any ${cfg.prefix}* leftovers)`,
    );
    return 0;
  }
  await netnsDown(t);
  rmSync(topologyPath(fleetDir(cfg.prefix)), { force: true });
  say(`removed ${hostsOf(t).length + 1} namespaces of ${t.createdAt}`);
  return 0;
}

async function fleetUpCmd(opts: FleetUpOptions, doProbe: boolean): Promise<number> {
  const f = await fleetUp(opts);
  try {
    checkInterrupted(interruptSignal());
    describe(f.topology, f.servers);
    for (const s of f.sshd) say(`sshd     ${s.host.padEnd(12)} pid ${s.pid}, config ${s.config}`);
    if (doProbe) await probe(f.topology);
    checkInterrupted(interruptSignal());
    say(f.inventoryPath);
    return 0;
  } catch (e) {
    await fleetDown();
    throw e;
  }
}

async function checkCmd(path: string): Promise<number> {
  const inv = loadInventory(path);
  guardInventory(inv);
  const dir = ensureDir(fleetDir(loadNetConfig().prefix));
  for (const c of inv.clients) {
    const ssh = sshFor(inv, c, dir);
    try {
      const r = await checkHost(ssh, c.wrk);
      say(
        `${r.host}: ${r.wrk ?? `wrk missing at ${c.wrk}`}; nofile ${r.nofileSoft}/${r.nofileHard}; ${r.cpus} cpus`,
      );
    } finally {
      await ssh.close();
    }
  }
  if (inv.lb) for (const line of await checkFleet(inv, dir)) say(line);
  return 0;
}

/** Namespaces, links and /run state dirs of killed test runs (prefix TEST_PREFIX). */
async function sweepTestLeftovers(): Promise<string[]> {
  const removed = await netnsCleanup(TEST_PREFIX);
  for (const f of readdirSync("/run").filter((n) => n.startsWith(TEST_PREFIX))) {
    rmSync(join("/run", f), { recursive: true, force: true });
    removed.push(`/run/${f}`);
  }
  return removed;
}

const cli = {
  name: "fleet",
  usage: "$0 <command> — emulated hosts in network namespaces; exit 2 with one line when the box cannot",
  options: ["clients", "servers", "server-cpus", "generator-cpus", "hosts"] as const,
  more: (y: Argv) =>
    y
      .command(
        "netns-up",
        "hub + server + CLIENTS client namespaces on a bridge; prints the topology path last",
      )
      .command("netns-down", "remove the namespaces netns-up recorded")
      .command("clean", "remove every prefixed namespace, link, process and sshd a killed run left")
      .command(
        "up",
        "netns-up + a lab key + sshd in every host namespace (--servers N: N server hosts behind an LB host); prints the inventory path last",
      )
      .command("down", "stop the sshds, remove namespaces, links and keys (idempotent)")
      .command(
        "check",
        "wrk version and nofile limits of every client host of --hosts, node on its servers, HAProxy on its LB, over ssh",
      )
      .demandCommand(1, 1)
      .option("probe", {
        type: "boolean",
        default: true,
        desc: "measure TCP connect time client → server",
      }),
};

await driver(cli, async (a) => {
  const cmd = String(a._[0]);
  const opts: FleetUpOptions = {
    clients: a.clients,
    servers: a.servers,
    serverCpus: a["server-cpus"] ?? null,
    clientCpus: a["generator-cpus"] ?? null,
    signal: interruptSignal(),
  };
  if (cmd === "netns-up") {
    if (a.servers)
      throw new InvalidRun("--servers is for up (make fleet-up SERVERS=n): netns-up makes one server host");
    return netnsUpCmd(opts, a.probe);
  }
  if (cmd === "netns-down") return netnsDownCmd();
  if (cmd === "up") return fleetUpCmd(opts, a.probe);
  if (cmd === "check") {
    if (!a.hosts) throw new InvalidRun("check needs --hosts FILE (the inventory make fleet-up prints)");
    return checkCmd(a.hosts);
  }
  // NOTE: clean and down are the same sweep (sshds, every prefixed namespace and link, the state dir); clean
  // also sweeps what a killed test left (the tests' fixed "labt" prefix), unless a prefix of its own was asked.
  const removed = await fleetDown();
  if (cmd === "clean" && !process.env.LAB_NETNS_PREFIX) removed.push(...(await sweepTestLeftovers()));
  say(removed.length ? `removed: ${removed.join(", ")}` : "nothing to remove");
  return 0;
});
