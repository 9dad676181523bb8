// An inventory host over ssh, checked before a hosts run and by the doctor: its transport, wrk version, nofile limits.
import type { ClientHost, FleetSshHost, Inventory, ServerHost } from "./inventory.ts";
import { SshHost } from "./ssh.ts";

export interface HostCheck {
  host: string;
  /** first line of `wrk -v`, null when wrk is missing there */
  wrk: string | null;
  wrkPath: string | null;
  nofileSoft: number | null;
  nofileHard: number | null;
  cpus: number;
}

/** The ssh transport to an inventory host (which must have an ssh target). */
export function sshFor(
  inv: Inventory,
  host: ClientHost | ServerHost | FleetSshHost,
  stateDir: string,
): SshHost {
  if (host.ssh === null || host.key === null) throw new Error(`host ${host.name} is local: no ssh transport`);
  return new SshHost({
    name: host.name,
    target: host.ssh,
    port: host.port,
    key: host.key,
    via: inv.controlNetns,
    stateDir,
  });
}

const num = (s: string | undefined): number | null => {
  const t = s?.trim();
  if (t === "unlimited") return Number.POSITIVE_INFINITY;
  return t && /^\d+$/.test(t) ? Number(t) : null;
};

// NOTE: wrk -v prints its version and then its usage, and exits 1: the exit code says nothing, the first line
// does. One remote shell gathers everything, so a check costs one round trip. The limits are those of a
// login over ssh, i.e. what a wrk shard started the same way gets.
const PROBE =
  'w="$1"; [ -x "$w" ] && "$w" -v 2>&1 | head -n 1 || echo MISSING; ulimit -Sn; ulimit -Hn; nproc';

/** wrk version and nofile soft/hard on the host, over ssh. Unreachable → InvalidRun from the transport. */
export async function checkHost(ssh: SshHost, wrkPath: string | null): Promise<HostCheck> {
  const out = await ssh.runOk(["sh", "-c", PROBE, "labx-check", wrkPath ?? "/nonexistent"], "host check", {
    timeoutMs: 20_000,
  });
  const [wrkLine, soft, hard, cpus] = out.split("\n");
  const wrk = wrkLine === undefined || wrkLine.trim() === "MISSING" ? null : wrkLine.trim();
  return {
    host: ssh.spec.name,
    wrk,
    wrkPath,
    nofileSoft: num(soft),
    nofileHard: num(hard),
    cpus: num(cpus) ?? 0,
  };
}
