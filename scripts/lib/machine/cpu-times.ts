// Per-CPU time from /proc/stat (µs since boot): busy in tasks, in interrupts, and stolen by the hypervisor.
import { readdirSync, readFileSync } from "node:fs";
import { clockTicks, readText } from "./proc.ts";

export interface CpuTimes {
  /** user + nice + system: time in tasks (user and kernel) */
  taskUs: number;
  /** irq + softirq not charged to a task's tick */
  irqUs: number;
  /** stolen by the hypervisor for other guests */
  stealUs: number;
}

/** Every CPU's times now, by CPU id. */
export function perCpuTimes(): Map<number, CpuTimes> {
  const out = new Map<number, CpuTimes>();
  const us = 1e6 / clockTicks();
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = (m[2] ?? "")
      .split(/\s+/)
      .map(Number);
    out.set(Number(m[1]), {
      taskUs: (user + nice + system) * us,
      irqUs: (irq + softirq) * us,
      stealUs: steal * us,
    });
  }
  return out;
}

/** The per-CPU softirq threads (ksoftirqd/N) by CPU: their time is network work, not another task's. */
export function ksoftirqdPids(): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    const m = /^ksoftirqd\/(\d+)$/.exec(readText(`/proc/${d}/comm`)?.trim() ?? "");
    if (m) out.set(Number(m[1]), Number(d));
  }
  return out;
}
