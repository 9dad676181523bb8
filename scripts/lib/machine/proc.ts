// Process CPU/RSS and whole-machine CPU read synchronously from /proc (Linux only; getconf once, via zx).
import { readdirSync, readFileSync } from "node:fs";
import { shSync } from "../core/shell.ts";

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

/** A /proc file's text, or null when it is gone or unreadable. */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export interface ProcStat {
  /** R, S, D, Z (exited, not yet reaped by its parent), … */
  state: string;
  /** the parent's pid (0 for PID 1 and kernel roots) */
  ppid: number;
  /** its process group */
  pgrp: number;
  cpuUs: number;
  /** Process start time in clock ticks since boot; with pid it identifies a process despite pid reuse. */
  startTicks: number;
  comm: string;
  /** the kernel's PF_* flags (PF_KTHREAD 0x00200000: a kernel thread) */
  flags: number;
  /** −20..19 */
  nice: number;
}

/** utime+stime (µs), start time, name, flags and nice of a process (or of a thread: /proc/<tid>), null if gone. */
export function procStat(pid: number): ProcStat | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === null) return null;
  // NOTE: comm (field 2) may contain spaces and ')' — only split what follows the LAST ')'.
  // After it: [0]=state(3) [1]=ppid(4) [2]=pgrp(5) ... [6]=flags(9) ... [11]=utime(14) [12]=stime(15) ... [16]=nice(19) ... [19]=starttime(22).
  const end = text.lastIndexOf(")");
  const f = text.slice(end + 2).split(" ");
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return {
    state: f[0] ?? "?",
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    cpuUs: ((utime + stime) * 1e6) / clockTicks(),
    startTicks: Number(f[19]),
    comm: text.slice(text.indexOf("(") + 1, end),
    flags: Number(f[6]),
    nice: Number(f[16]),
  };
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

/** Every pid in /proc now (processes, not threads). */
export function allPids(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** Open file descriptors of pid now (0 once it is gone). */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}
