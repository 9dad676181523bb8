// Before a load run: loopback URL, server reachable and native, fds/ports/shards enough for the connections.
import { InvalidRun } from "./cli.ts";
import { fetchLabStats, type LabStats } from "./lab-stats.ts";
import {
  FD_RESERVE,
  fitsPerWorker,
  minWorkersFor,
  nofileLimits,
  planShards,
  portRangeSize,
} from "./limits.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function checkUrl(raw: string): { base: string; url: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InvalidRun(`--url "${raw}" is not a URL — e.g. http://127.0.0.1:8000/ping/`);
  }
  if (u.protocol !== "http:") throw new InvalidRun(`--url must be http://, got ${u.protocol}`);
  if (!LOOPBACK.has(u.hostname)) {
    throw new InvalidRun(
      `--url must point at 127.0.0.1 or [::1] (load stays on loopback), got ${u.hostname}`,
    );
  }
  return { base: u.origin, url: u.href };
}

export async function serverStats(base: string): Promise<LabStats> {
  try {
    return await fetchLabStats(base);
  } catch (e) {
    throw new InvalidRun(
      `server unreachable at ${base} (${(e as Error).message}) — start it with \`make run-four-threads\``,
    );
  }
}

export interface Capacity {
  shards: number;
  workerNofile: { pid: number; soft: number; hard: number }[];
}

/** Blocking checks: the run is invalid (exit 2) unless the server and wrk can hold every connection. */
export function checkCapacity(s: LabStats, conns: number, threads: number, shards: number): Capacity {
  if (!s.nativeUws)
    throw new InvalidRun(
      "the server runs uWS's JS fallback, not the native binary — reinstall with `npm ci`",
    );
  if (conns < threads) throw new InvalidRun(`--connections ${conns} must be ≥ --threads ${threads}`);
  const ports = portRangeSize();
  if (ports !== null && conns > ports) {
    throw new InvalidRun(
      `${conns} connections from one client address exceed net.ipv4.ip_local_port_range (${ports} ports) — make tune PROFILE=20k`,
    );
  }
  const workerNofile = s.pids.map((pid) => ({ pid, ...nofileLimits(pid) }));
  const minSoft = Math.min(...workerNofile.map((w) => w.soft));
  if (!fitsPerWorker(conns, s.workers, minSoft)) {
    throw new InvalidRun(
      `fd limit: ${conns} connections over ${s.workers} worker(s) exceed their open-files limit ${minSoft} — start the server with ≥ ${minWorkersFor(conns, minSoft)} workers`,
    );
  }
  const own = nofileLimits("self").soft;
  const need = planShards(conns, own, FD_RESERVE);
  if (shards !== 0 && shards < need) {
    throw new InvalidRun(
      `--shards ${shards} cannot hold ${conns} connections with ${own} open files per wrk process — use --shards ≥ ${need} (0 = auto)`,
    );
  }
  return { shards: shards || need, workerNofile };
}
