// Kernel/process limits (sysctls, RLIMIT_NOFILE) and the fd/backlog arithmetic for sizing wrk shards and workers.
import { readFileSync } from "node:fs";
import type { TuningSnapshot } from "../contract/tuning-snapshot.ts";

/** Sysctl value from /proc/sys (trimmed, runs of tabs/spaces collapsed to one space), or null. */
export function readSysctl(name: string): string | null {
  // NOTE: dots map to "/", so names whose components contain dots (e.g. VLAN "eth0.100") need "/" form.
  const path = name.includes("/") ? name : name.replaceAll(".", "/");
  try {
    return readFileSync(`/proc/sys/${path}`, "utf8")
      .trim()
      .replace(/[ \t]+/g, " ");
  } catch {
    return null;
  }
}

/** Sysctl as an integer, or null if unreadable or not a single integer. */
export function readSysctlInt(name: string): number | null {
  const v = readSysctl(name);
  if (v === null || !/^-?\d+$/.test(v)) return null;
  return Number(v);
}

/**
 * RLIMIT_NOFILE of a process from /proc/<pid>/limits; "unlimited" → Infinity. Throws if the pid is gone.
 * NOTE: node raises its own soft limit to the hard limit at startup and children inherit the raised value,
 * so `ulimit -Sn` in a shell can be lower than what a node process (or anything it spawns) actually has.
 */
export function nofileLimits(pid: number | "self"): { soft: number; hard: number } {
  const text = readFileSync(`/proc/${pid}/limits`, "utf8");
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m) throw new Error(`no "Max open files" line in /proc/${pid}/limits`);
  const num = (s: string | undefined) => (s === "unlimited" ? Number.POSITIVE_INFINITY : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

/** [lo, hi] of net.ipv4.ip_local_port_range, or null. */
export function ipLocalPortRange(): [number, number] | null {
  const m = /^(\d+) (\d+)$/.exec(readSysctl("net.ipv4.ip_local_port_range") ?? "");
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** Limits and tuning relevant to high connection counts, for the current process. */
export function tuningSnapshot(): TuningSnapshot {
  let nofile: { soft: number; hard: number } | null = null;
  try {
    nofile = nofileLimits("self");
  } catch {}
  return {
    nofileSoft: nofile?.soft ?? null,
    nofileHard: nofile?.hard ?? null,
    nrOpen: readSysctlInt("fs.nr_open"),
    fileMax: readSysctlInt("fs.file-max"),
    somaxconn: readSysctlInt("net.core.somaxconn"),
    tcpMaxSynBacklog: readSysctlInt("net.ipv4.tcp_max_syn_backlog"),
    ipLocalPortRange: ipLocalPortRange(),
    ipLocalReservedPorts: readSysctl("net.ipv4.ip_local_reserved_ports"),
    tcpTwReuse: readSysctlInt("net.ipv4.tcp_tw_reuse"),
    netdevMaxBacklog: readSysctlInt("net.core.netdev_max_backlog"),
    tcpFinTimeout: readSysctlInt("net.ipv4.tcp_fin_timeout"),
  };
}

/**
 * Ephemeral ports available for outgoing connections, or null.
 * NOTE: one client address can hold at most this many simultaneous connections to one server ip:port
 * (the 4-tuple must be unique; TIME_WAIT entries also pin ports). Beyond it, spread clients over
 * several source addresses (any of 127.0.0.0/8 on loopback) or server ports.
 */
export function portRangeSize(): number | null {
  const r = ipLocalPortRange();
  return r ? r[1] - r[0] + 1 : null;
}

/**
 * Listen backlog uSockets passes to listen() for every listener (verified: `ss -ltn` Send-Q = 512).
 * NOTE: the kernel caps it at net.core.somaxconn, and each SO_REUSEPORT listener has its own accept queue.
 */
export const UWS_LISTEN_BACKLOG = 512;

/** Total accept-queue capacity of `workers` SO_REUSEPORT uWS listeners. */
export function effectiveBacklog(workers: number, somaxconn: number): number {
  return Math.min(UWS_LISTEN_BACKLOG, somaxconn) * workers;
}

/** Fds a process needs besides its sockets (stdio, epoll, eventfds, libuv pipes, loaded files; node idles at ~20). */
export const FD_RESERVE = 64;

/**
 * NOTE: SO_REUSEPORT hashes each new connection's 4-tuple onto a listener, so per-worker counts are
 * roughly but not exactly even; we assume the busiest worker gets up to REUSEPORT_SKEW × its fair share.
 */
export const REUSEPORT_SKEW = 1.1;

/** Minimal number of wrk processes so that ceil(connections / shards) + reserve ≤ nofileLimit. */
export function planShards(connections: number, nofileLimit: number, reserve: number = FD_RESERVE): number {
  const perShard = Math.floor(nofileLimit) - reserve;
  if (!(perShard > 0))
    throw new Error(`nofile limit ${nofileLimit} leaves no room beyond reserve ${reserve}`);
  return Math.max(1, Math.ceil(connections / perShard));
}

/** Whether the busiest of `workers` SO_REUSEPORT workers (skew-adjusted share + reserve) fits in nofileLimit. */
export function fitsPerWorker(
  connections: number,
  workers: number,
  nofileLimit: number,
  reserve: number = FD_RESERVE,
): boolean {
  if (workers < 1) return false;
  // NOTE: the 1e-9 keeps float noise (1.1 × 20000 = 22000.000000000004) from adding a phantom connection.
  const busiest = Math.ceil((connections * REUSEPORT_SKEW) / workers - 1e-9);
  return busiest + reserve <= nofileLimit;
}

/** Smallest worker count for which fitsPerWorker holds. */
export function minWorkersFor(
  connections: number,
  nofileLimit: number,
  reserve: number = FD_RESERVE,
): number {
  const room = Math.floor(nofileLimit) - reserve;
  if (!(room > 0)) throw new Error(`nofile limit ${nofileLimit} leaves no room beyond reserve ${reserve}`);
  let w = Math.max(1, Math.floor((connections * REUSEPORT_SKEW) / room));
  while (!fitsPerWorker(connections, w, nofileLimit, reserve)) w++;
  return w;
}
