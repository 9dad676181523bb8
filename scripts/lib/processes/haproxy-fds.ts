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
      `HAProxy holds a client and a server socket per connection: ${spec.connections} connections need ≈ ${need} fds in${per || " one process"}, above the hard nofile limit ${hard} — run fewer connections per LB process (≈ ${Math.floor((hard - spec.servers.length - 32) / 2.1)} at most)`,
    );
  }
}

/** One process's share of the LB's connections (the kernel spreads them over the processes' listeners). */
export const shareOf = (connections: number, processes: number): number => Math.ceil(connections / processes);

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
