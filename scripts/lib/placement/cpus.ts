// CPU sets for the split placement: taskset-style lists, the default split of this machine, affinity read back.
import { InvalidRun } from "../core/cli.ts";
import { formatCpuList, onlineCpus } from "../core/cpu-list.ts";

// NOTE: the CPU-list text and this machine's CPUs live in core/cpu-list.ts (the option parser needs them).
export { affinityOf, cpuSetText, formatCpuList, onlineCpus, parseCpuList } from "../core/cpu-list.ts";

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
