// CPU lists, taskset-style ("0-2,5"): parsed strictly, formatted back, and the CPUs this machine (or process) has.
import { readFileSync } from "node:fs";
import os from "node:os";
import { InvalidRun } from "./cli.ts";

/** "0-2,5" → [0, 1, 2, 5]; throws InvalidRun naming `what` on anything else (empty, reversed, a CPU not online). */
export function parseCpuList(what: string, raw: string, online = onlineCpus()): number[] {
  const text = raw.trim();
  const ids = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2] ?? m?.[1]);
    if (!m || hi < lo) throw new InvalidRun(`${what} must be a CPU list like 1 or 0-3,6, got "${raw}"`);
    if (hi - lo > 4096) throw new InvalidRun(`${what}: the range ${part} is too large`);
    for (let c = lo; c <= hi; c++) ids.add(c);
  }
  const missing = [...ids].filter((c) => !online.includes(c));
  if (missing.length > 0) {
    throw new InvalidRun(
      `${what} names CPU ${missing.join(",")}, which this machine does not have (online: ${formatCpuList(online)})`,
    );
  }
  return [...ids].sort((a, b) => a - b);
}

/** [0, 1, 2, 5] → "0-2,5" (the kernel's Cpus_allowed_list form). */
/** A side's CPUs for people: "CPUs 0-1", or "every CPU" when it floats (null). */
export const cpuSetText = (cpus: number[] | null): string =>
  cpus ? `CPUs ${formatCpuList(cpus)}` : "every CPU";

export function formatCpuList(ids: number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

// NOTE: the cgroup's cpuset (v2, then v1), not this process's affinity: a driver pinned to the generator's
// CPUs (make chaos) must still see, and hand its children, the server's side of the machine.
const CPUSETS = [
  "/sys/fs/cgroup/cpuset.cpus.effective",
  "/sys/fs/cgroup/cpuset/cpuset.effective_cpus",
  "/sys/devices/system/cpu/online",
];

/** CPUs of this machine, or of the container's cpuset. */
export function onlineCpus(): number[] {
  for (const f of CPUSETS) {
    try {
      const text = readFileSync(f, "utf8").trim();
      if (text) return expand(text);
    } catch {}
  }
  return os.cpus().map((_, i) => i);
}

/** A process's allowed CPUs from /proc/<pid>/status (Cpus_allowed_list), or null when it is gone. */
export function affinityOf(pid: number | "self"): number[] | null {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] ? expand(m[1]) : null;
  } catch {
    return null;
  }
}

function expand(list: string): number[] {
  return list.split(",").flatMap((p) => {
    const [a, b] = p.split("-").map(Number);
    return Array.from({ length: (b ?? a ?? 0) - (a ?? 0) + 1 }, (_, i) => (a ?? 0) + i);
  });
}
