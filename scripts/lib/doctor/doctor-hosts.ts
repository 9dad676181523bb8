// Doctor rows of an inventory's client hosts, over ssh: wrk there (version) and nofile for their shards (checkHost).
import { mkdtempSync, rmSync } from "node:fs";
import { InvalidRun } from "../core/cli.ts";
import { FD_RESERVE } from "../machine/limits.ts";
import { checkHost, sshFor } from "../placement/host-check.ts";
import { type ClientHost, type Inventory, loadInventory } from "../placement/inventory.ts";
import { guardInventory } from "../placement/reach.ts";
import type { Check } from "./doctor-row.ts";
import { fmt, row } from "./doctor-row.ts";

/** One row per client host; an unreachable host or a missing wrk is a FAIL naming it (the run would be invalid). */
export async function hostsChecks(inventoryPath: string, connections: number): Promise<Check[]> {
  const inv = loadInventory(inventoryPath);
  guardInventory(inv); // NOTE: before any ssh: a refused address is one line, exit 2, no packet
  // NOTE: every host holds at least connections / hosts of the load (shards go round-robin over the hosts).
  const perHost = Math.ceil(connections / inv.clients.length) + FD_RESERVE;
  const stateDir = mkdtempSync("/tmp/labx-ssh-");
  try {
    return await Promise.all(inv.clients.map((c) => hostRow(inv, c, stateDir, perHost)));
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function hostRow(inv: Inventory, c: ClientHost, stateDir: string, perHost: number): Promise<Check> {
  const name = `host ${c.name} (wrk, nofile)`;
  const needed = `wrk at ${c.wrk}; nofile soft ≥ ${fmt(perHost)}`;
  const ssh = sshFor(inv, c, stateDir);
  try {
    const h = await checkHost(ssh, c.wrk);
    if (h.wrk === null)
      return row(
        name,
        `no wrk at ${c.wrk}`,
        needed,
        "FAIL",
        `apt-get install -y wrk on ${c.name}, or fix its "wrk"`,
      );
    const soft = h.nofileSoft ?? 0;
    const current = `${h.wrk.split(" ").slice(0, 2).join(" ")}; nofile ${fmt(soft)}/${fmt(h.nofileHard ?? 0)}; ${h.cpus} cpus`;
    // NOTE: WARN, not FAIL: more shards per host (SHARDS) split the connections further.
    return row(
      name,
      current,
      needed,
      soft >= perHost ? "OK" : "WARN",
      `raise nofile for ssh logins on ${c.name}`,
    );
  } catch (e) {
    if (!(e instanceof InvalidRun)) throw e;
    return row(name, "unreachable", needed, "FAIL", e.message.split(" — ")[1] ?? e.message);
  } finally {
    await ssh.close();
  }
}
