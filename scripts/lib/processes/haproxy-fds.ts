// HAProxy's fd budget: a client and a server socket per connection under the hard nofile limit, per process.
import { InvalidRun } from "../core/cli.ts";
import { nofileLimits } from "../machine/limits.ts";
import { haproxyLimits } from "./haproxy-config.ts";

// NOTE: HAProxy raises its own nofile limit to what maxconn needs and refuses to start above the hard limit
// (measured: maxconn 15000 → "Cannot raise FD limit to 30028, limit is 20000"): one LB process here holds
// ≈ 9,500 client connections; 20,000 need ≥ 3 HAProxy processes (they share the port: SO_REUSEPORT).
/** Refuse a spec whose fds would pass the hard nofile limit (this process's, or an LB host's over ssh). */
export function checkFdBudget(
  spec: { connections: number; servers: readonly unknown[] },
  hard = nofileLimits("self").hard,
  processes = 1,
): void {
  const need = haproxyLimits(shareOf(spec.connections, processes), spec.servers.length).fdNeed;
  if (need > hard) {
    const per = processes === 1 ? "" : ` each of ${processes} HAProxy processes`;
    throw new InvalidRun(
      `HAProxy holds a client and a server socket per connection: ${spec.connections} connections need ≈ ${need} fds in${per || " one process"}, above the hard nofile limit ${hard} — run fewer connections per LB process (one holds ≤ ${connectionsPerLb(hard, spec.servers.length)})`,
    );
  }
}

// NOTE: the kernel spreads connections over the listeners by a hash of their addresses and ports: each process gets
// about connections/k, ≈ √(connections/k) apart (20,000 over 3 here: 6,820 / 6,591 / 6,591). A process at its maxconn
// stops accepting and its extra connections wait in its own accept queue, so each is sized 4 standard deviations
// above its share; haproxyLimits' margin (5 %, at least 64) stays for the connections a client reopens.
/** What one of k processes must hold of the LB's connections: its share and the spread's margin (k = 1: all). */
export const shareOf = (connections: number, processes: number): number => {
  const mean = connections / processes;
  return processes === 1 ? connections : Math.ceil(mean + 4 * Math.sqrt(mean));
};

/** The fewest HAProxy processes whose fds fit the hard limit at these connections (at most max). */
export function lbProcessesFor(
  connections: number,
  servers: number,
  hard = nofileLimits("self").hard,
  max = 8,
): number {
  for (let k = 1; k < max; k++) if (haproxyLimits(shareOf(connections, k), servers).fdNeed <= hard) return k;
  return max;
}

/** The most client connections one HAProxy holds under `hardNofile`, with haproxyLimits' maxconn margin and fds. */
export function connectionsPerLb(hardNofile: number, servers: number): number {
  const fits = (c: number): boolean => haproxyLimits(c, servers).fdNeed <= hardNofile;
  if (!fits(1)) throw new Error(`hard nofile ${hardNofile} leaves HAProxy no room for one connection`);
  let lo = 1;
  let hi = Math.max(2, Math.ceil(hardNofile / 2));
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return fits(hi) ? hi : lo;
}
