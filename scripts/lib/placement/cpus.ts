// CPU sets for the split placement: taskset-style lists, the default split of this machine, affinity read back.
import { readFileSync } from "node:fs";
import os from "node:os";
import { InvalidRun } from "../core/cli.ts";

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

export interface CpuSplit {
  server: number[];
  generator: number[];
}

// NOTE: the rule: the generator takes the lower half of the CPUs (rounded down, at least one), the server the
// rest. Paced wrk costs ~4× the server's CPU per request here (50–70 µs vs ~15 µs), so the generator's half is
// the one that saturates first; on 2 CPUs this is the measured split: wrk on CPU 0, the server on CPU 1.
export function defaultSplit(online = onlineCpus()): CpuSplit {
  if (online.length < 2) {
    throw new InvalidRun(
      `the split placement needs ≥ 2 CPUs, this machine has ${online.length} — use PLACEMENT=shared`,
    );
  }
  const g = Math.max(1, Math.floor(online.length / 2));
  return { generator: online.slice(0, g), server: online.slice(g) };
}

/** The split from the knobs (parsed lists; either may be omitted: it gets the CPUs the other does not take). */
export function resolveSplit(server?: number[], generator?: number[], online = onlineCpus()): CpuSplit {
  const rest = (taken: number[]) => online.filter((c) => !taken.includes(c));
  const def = server || generator ? null : defaultSplit(online);
  const split = {
    server: server ?? def?.server ?? rest(generator ?? []),
    generator: generator ?? def?.generator ?? rest(server ?? []),
  };
  const shared = split.server.filter((c) => split.generator.includes(c));
  if (split.server.length === 0 || split.generator.length === 0 || shared.length > 0) {
    throw new InvalidRun(
      `SERVER_CPUS (${formatCpuList(split.server)}) and GENERATOR_CPUS (${formatCpuList(split.generator)}) must be disjoint and non-empty — or use PLACEMENT=shared`,
    );
  }
  return split;
}

/** argv prefix that pins a command (and every process it forks) to cpus. */
export function tasksetPrefix(cpus: number[] | null): string[] {
  return cpus ? ["taskset", "-c", formatCpuList(cpus)] : [];
}
