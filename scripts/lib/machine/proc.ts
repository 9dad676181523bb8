// Process CPU/RSS and kernel TCP counters read synchronously from /proc (Linux only; getconf once, via zx).
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { shSync } from "../processes/shell.ts";

let clkTck: number | undefined;
let pageSize: number | undefined;

function getconf(name: string, fallback: number): number {
  const o = shSync`getconf ${name}`;
  const n = Number(o.stdout.trim());
  return o.ok && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Clock ticks per second for /proc/<pid>/stat times (read lazily once; 100 if getconf fails). */
export function clockTicks(): number {
  clkTck ??= getconf("CLK_TCK", 100);
  return clkTck;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export interface ProcStat {
  cpuUs: number;
  /** Process start time in clock ticks since boot; with pid it identifies a process despite pid reuse. */
  startTicks: number;
}

/** utime+stime (µs) and start time of a process, or null if it is gone. */
export function procStat(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  // NOTE: comm (field 2) may contain spaces and ')' — only split what follows the LAST ')'.
  // After it: [0]=state(3) ... [11]=utime(14) [12]=stime(15) ... [19]=starttime(22).
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  const start = Number(f[19]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { cpuUs: ((utime + stime) * 1e6) / clockTicks(), startTicks: start };
}

/** Cumulative user+system CPU of a process in µs (clock-tick resolution, 10 ms at CLK_TCK=100). */
export function cpuTimeUs(pid: number): number | null {
  return procStat(pid)?.cpuUs ?? null;
}

/** Resident set size in bytes, or null if the process is gone. */
export function rssBytes(pid: number): number | null {
  const status = readText(`/proc/${pid}/status`);
  if (status === null) return null;
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (m) return Number(m[1]) * 1024;
  // NOTE: zombies and kernel threads have no VmRSS line; statm then reports 0 pages.
  const statm = readText(`/proc/${pid}/statm`);
  const pages = statm === null ? Number.NaN : Number(statm.split(" ")[1]);
  if (!Number.isFinite(pages)) return null;
  pageSize ??= getconf("PAGESIZE", 4096);
  return pages * pageSize;
}

/**
 * CPU and RSS of a changing group of processes, sampled on demand.
 * NOTE: CPU is attributed per interval only to processes present in both adjacent samples, so a
 * process that appears mid-window counts from its first sample and one that exits loses the CPU it
 * used after its last sample — sample often (e.g. every 250–1000 ms) for short-lived processes.
 */
export class CpuSampler {
  private prev: Map<string, number> | null = null;
  private firstT = 0;
  private lastT = 0;
  private totalUs = 0;
  private lastDeltaUs = 0;
  private lastDeltaMs = 0;
  private peakRss = 0;
  private samples = 0;

  constructor(private readonly pids: () => readonly number[]) {}

  /** Record cumulative CPU of every pid in the group now. */
  sample(): void {
    const now = performance.now();
    const cur = new Map<string, number>();
    let rss = 0;
    for (const pid of new Set(this.pids())) {
      const st = procStat(pid);
      if (st === null) continue;
      // NOTE: keyed by pid+starttime so a recycled pid (pid_max may be only 32768) is a new process.
      cur.set(`${pid}:${st.startTicks}`, st.cpuUs);
      rss += rssBytes(pid) ?? 0;
    }
    let delta = 0;
    if (this.prev !== null) {
      for (const [key, us] of cur) {
        const before = this.prev.get(key);
        if (before !== undefined && us >= before) delta += us - before;
      }
      this.lastDeltaUs = delta;
      this.lastDeltaMs = now - this.lastT;
      this.totalUs += delta;
    } else {
      this.firstT = now;
    }
    this.prev = cur;
    this.lastT = now;
    this.peakRss = Math.max(this.peakRss, rss);
    this.samples++;
  }

  /** Number of sample() calls so far. */
  sampleCount(): number {
    return this.samples;
  }

  /** Window length in ms (first to last sample). */
  windowMs(): number {
    return this.lastT - this.firstT;
  }

  /** CPU µs consumed by the group over the window. */
  cpuUsTotal(): number {
    return this.totalUs;
  }

  /** Average CPU % over the window (100 = one full core); 0 with fewer than two samples. */
  percent(): number {
    const ms = this.windowMs();
    return ms > 0 ? this.totalUs / 10 / ms : 0;
  }

  /** CPU % between the last two samples; 0 with fewer than two samples. */
  lastIntervalPercent(): number {
    return this.lastDeltaMs > 0 ? this.lastDeltaUs / 10 / this.lastDeltaMs : 0;
  }

  /** Max over samples of the group's summed RSS in bytes. */
  peakRssBytes(): number {
    return this.peakRss;
  }
}

/** Parse "Prefix: k1 k2 ..." / "Prefix: v1 v2 ..." line pairs (netstat/snmp format). */
function parseHeaderValuePairs(text: string, out: Record<string, number>): void {
  const headers = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const prefix = line.slice(0, colon);
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    const names = headers.get(prefix);
    if (names === undefined) {
      headers.set(prefix, fields);
      continue;
    }
    headers.delete(prefix);
    names.forEach((name, i) => {
      const v = Number(fields[i]);
      if (Number.isFinite(v)) out[`${prefix}.${name}`] = v;
    });
  }
}

/**
 * /proc/net/netstat + /proc/net/snmp as flat keys, e.g. "TcpExt.ListenOverflows", "Tcp.ActiveOpens".
 * NOTE: counters are per network namespace, system-wide within it (not per process), and
 * 64-bit octet counters lose precision above 2^53. "Tcp.MaxConn" is -1 (no limit), "Tcp.CurrEstab" is a gauge.
 */
export function readNetstat(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const path of ["/proc/net/netstat", "/proc/net/snmp"]) {
    const text = readText(path);
    if (text !== null) parseHeaderValuePairs(text, out);
  }
  return out;
}

/**
 * /proc/net/sockstat (+ sockstat6) as flat keys, e.g. "TCP.inuse", "TCP.tw", "TCP6.inuse", "sockets.used".
 * NOTE: these are gauges, not counters; "TCP.mem" is in pages (compare with net.ipv4.tcp_mem).
 * "TCP.inuse" counts IPv4 sockets only (IPv6 ones are "TCP6.inuse"), while TCP.orphan/tw/alloc cover both.
 */
export function readSockstat(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const path of ["/proc/net/sockstat", "/proc/net/sockstat6"]) {
    const text = readText(path);
    if (text === null) continue;
    for (const line of text.split("\n")) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const prefix = line.slice(0, colon);
      const f = line
        .slice(colon + 1)
        .trim()
        .split(/\s+/);
      for (let i = 0; i + 1 < f.length; i += 2) {
        const v = Number(f[i + 1]);
        if (Number.isFinite(v)) out[`${prefix}.${f[i]}`] = v;
      }
    }
  }
  return out;
}

/** after − before for every key present in both (meaningful for monotonically increasing counters). */
export function counterDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const b = before[k];
    if (b !== undefined) out[k] = v - b;
  }
  return out;
}

/** Subset of a delta; keys absent on this kernel are omitted rather than reported as 0. */
export function pickDelta(delta: Record<string, number>, keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) {
    const v = delta[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** Counters worth reporting around a load run (pass to pickDelta). */
export const TCP_TROUBLE_KEYS = [
  "TcpExt.ListenOverflows",
  "TcpExt.ListenDrops",
  "TcpExt.TCPTimeouts",
  "TcpExt.TCPAbortOnMemory",
  "TcpExt.TCPAbortOnTimeout",
  "TcpExt.TCPAbortOnData",
  "TcpExt.TCPReqQFullDrop",
  "TcpExt.TCPReqQFullDoCookies",
  "TcpExt.SyncookiesSent",
  "TcpExt.TCPBacklogDrop",
  "Tcp.ActiveOpens",
  "Tcp.PassiveOpens",
  "Tcp.AttemptFails",
  "Tcp.EstabResets",
  "Tcp.RetransSegs",
  "Tcp.OutRsts",
] as const;

/** Whole-machine CPU jiffies from /proc/stat: busy (everything but idle + iowait) and total. */
export function machineCpuTicks(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, v) => a + v, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

// NOTE: loopback TCP work runs partly in softirq context, charged to whichever process was interrupted (or
// to ksoftirqd), so per-process CPU understates the load: saturation is judged on the whole machine.
/** Machine CPU between two machineCpuTicks() readings, in % of one core (max = cpus × 100). */
export function machineBusyPct(
  a: { busy: number; total: number },
  b: { busy: number; total: number },
  cpus: number,
): number {
  const dt = b.total - a.total;
  return dt > 0 ? ((b.busy - a.busy) / dt) * cpus * 100 : 0;
}
