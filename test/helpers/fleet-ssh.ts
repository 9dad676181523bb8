// Fleet-over-ssh tests' plumbing: a FleetView's counters as fleet.ts's Snap, its pids, what is left on its hosts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuTimeUs } from "../../scripts/lib/machine/proc.ts";
import type { SshFleetLab } from "../../scripts/lib/placement/fleet-ssh.ts";
import { type HostLeft, leftOn } from "../../scripts/lib/placement/fleet-ssh-sweep.ts";
import type { FleetView } from "../../scripts/lib/placement/fleet-view.ts";
import { sshFor } from "../../scripts/lib/placement/host-check.ts";
import { count2xx } from "../../scripts/lib/processes/lab-stats.ts";
import type { Snap } from "./fleet.ts";

/** The counters fleet.ts's delta() compares: each server's 2xx (its stats), the LB's rows, HAProxy's CPU. */
export async function snapView(lab: FleetView): Promise<Snap> {
  const served: Record<string, number> = {};
  for (const m of lab.members) served[m.host.name] = count2xx(await m.stats());
  const lbCpuUs = lab.localPids ? (cpuTimeUs(lab.lb.pid) ?? 0) : 0;
  return { atMs: performance.now(), served, lb: await lab.lb.stat(), lbCpuUs };
}

/** HAProxy's pid, each server's primary and workers (this machine's pids when lab.localPids). */
export async function viewPids(lab: FleetView): Promise<number[]> {
  const pids = [lab.lb.pid];
  for (const m of lab.members) {
    const s = await m.stats();
    pids.push(s.primaryPid, ...s.pids);
  }
  return pids;
}

/** What is left of the lab on each of its hosts, asked over fresh ssh connections (the lab's are closed). */
export async function leftOnHosts(lab: SshFleetLab): Promise<HostLeft[]> {
  const dir = mkdtempSync(join(tmpdir(), "fleet-ssh-left-"));
  const inv = lab.inventory;
  try {
    return await Promise.all(
      [...inv.servers, inv.lb].map(async (h) => {
        const ssh = sshFor(inv, h, dir);
        try {
          return await leftOn(ssh, lab.runDirs[h.name] ?? "");
        } finally {
          await ssh.close();
        }
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
