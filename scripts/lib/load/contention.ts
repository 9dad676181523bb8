// Whose CPU was it: each side's run-queue wait and the CPU other tasks took on its CPUs, sampled with the live line.
import type { SideContention } from "../contract/record.ts";
import { ksoftirqdPids, perCpuTimes } from "../machine/cpu-times.ts";
import { SchedSampler, type SchedTotals, threadSchedstat } from "../machine/schedstat.ts";
import { onlineCpus } from "../placement/cpus.ts";
import type { RunPlacement } from "../placement/run-placement.ts";

export interface ContentionSide {
  pids: () => readonly number[];
  /** the CPUs this side was given (every online CPU when it floats) */
  cpus: number[];
}

/** Cumulative readings at one instant, per side (null: a side this machine cannot see). */
interface SideReading {
  waitUs: number;
  /** CPU time of the lab's own tasks that may run on this side's CPUs (this side, and the other when they share) */
  labRunUs: number;
  threads: number;
  taskUs: number;
  irqUs: number;
  stealUs: number;
  softirqdUs: number;
}

export type ContentionReading = Record<"server" | "generator", SideReading | null>;

/** Both sides' contention between readings, the first and last `dt` seconds apart (ContentionSampler.over). */
export type ContentionBetween = (
  rs: ContentionReading[],
  dt: number,
) => Record<"server" | "generator", SideContention | null>;

export class ContentionSampler {
  private readonly run: Record<"server" | "generator", SchedSampler>;
  private readonly wait: Record<"server" | "generator", SchedSampler>;
  private readonly softirqd = ksoftirqdPids();

  constructor(private readonly sides: Record<"server" | "generator", ContentionSide | null>) {
    const none = () => [];
    this.run = {
      server: new SchedSampler(sides.server?.pids ?? none),
      generator: new SchedSampler(sides.generator?.pids ?? none),
    };
    // NOTE: the server's wait is its event loops' (each process's main thread): V8's and libuv's helper threads
    // queue behind them on the same CPU and would count the server's own work as contention. wrk's threads are
    // all event loops (its main thread sleeps), so the same sampler serves both.
    this.wait = { server: new SchedSampler(sides.server?.pids ?? none, true), generator: this.run.generator };
  }

  /** Read both sides now (cumulative since the first call). */
  sample(): ContentionReading {
    const cpu = perCpuTimes();
    const s = this.run.server.sample();
    const g = this.run.generator.sample();
    const w = { server: this.wait.server.sample(), generator: g };
    const shared = sameSet(this.sides.server?.cpus, this.sides.generator?.cpus);
    const read = (k: "server" | "generator", own: SchedTotals, other: SchedTotals): SideReading | null => {
      const side = this.sides[k];
      if (!side) return null;
      const on = side.cpus.map((c) => cpu.get(c) ?? { taskUs: 0, irqUs: 0, stealUs: 0 });
      const sum = (f: "taskUs" | "irqUs" | "stealUs") => on.reduce((a, x) => a + x[f], 0);
      const softirqdUs = side.cpus.reduce((a, c) => {
        const pid = this.softirqd.get(c);
        return a + (pid ? (threadSchedstat(pid, pid)?.runNs ?? 0) / 1000 : 0);
      }, 0);
      return {
        waitUs: w[k].waitUs,
        labRunUs: own.runUs + (shared ? other.runUs : 0),
        threads: w[k].threads,
        taskUs: sum("taskUs"),
        irqUs: sum("irqUs"),
        stealUs: sum("stealUs"),
        softirqdUs,
      };
    };
    return { server: read("server", s, g), generator: read("generator", g, s) };
  }

  /** Both sides over readings taken from a window's start to its end, `windowS` apart. */
  over(rs: ContentionReading[], windowS: number): Record<"server" | "generator", SideContention | null> {
    const side = (k: "server" | "generator") => {
      const cpus = this.sides[k]?.cpus;
      return cpus
        ? sideContention(
            rs.map((r) => r[k]),
            cpus,
            windowS,
          )
        : null;
    };
    return { server: side("server"), generator: side("generator") };
  }
}

/** Each side this machine can see, on the CPUs it was given (every online CPU when it floats). */
export function contentionFor(
  placement: Pick<RunPlacement, "serverCpus" | "generatorCpus">,
  unknown: readonly string[],
  serverPids: () => number[],
  wrkPids: () => number[],
  /** the shards run over ssh (hosts, a fleet over ssh): an unpinned side's CPUs are its host's, not ours */
  remote = false,
): ContentionSampler {
  const all = onlineCpus();
  const side = (k: "server" | "generator", set: number[] | null, pids: () => number[]) => {
    const cpus = set ?? (remote ? null : all); // NOTE: another host's CPUs are not ours
    return unknown.includes(k) || !cpus ? null : { pids, cpus };
  };
  return new ContentionSampler({
    server: side("server", placement.serverCpus, serverPids),
    generator: side("generator", placement.generatorCpus, wrkPids),
  });
}

const sameSet = (a?: number[], b?: number[]): boolean => !!a && !!b && a.join() === b.join();

/**
 * One side's contention between two readings `windowS` apart, with the worst 1 s interval's run-queue wait from
 * the readings in between. Other tasks' CPU = time in tasks on its CPUs − the lab's own − ksoftirqd's (network).
 */
export function sideContention(
  rs: (SideReading | null)[],
  cpus: number[],
  windowS: number,
): SideContention | null {
  const a = rs[0];
  const b = rs[rs.length - 1];
  if (!a || !b || windowS <= 0 || rs.some((r) => r === null)) return null;
  const capUs = windowS * 1e6 * cpus.length;
  const d = (k: keyof SideReading) => b[k] - a[k];
  let maxWaitUs = 0;
  for (let i = 1; i < rs.length; i++)
    maxWaitUs = Math.max(maxWaitUs, (rs[i]?.waitUs ?? 0) - (rs[i - 1]?.waitUs ?? 0));
  // NOTE: without IRQ time accounting (this kernel) a softirq that interrupts a task is in that task's runtime but
  // in /proc/stat's softirq column: so the CPUs' task + irq time, less the lab's runtime and ksoftirqd's.
  const otherUs = Math.max(0, d("taskUs") + d("irqUs") - d("labRunUs") - d("softirqdUs"));
  // NOTE: the wait behind other tasks, estimated as the wait × their share of the busy time on these CPUs: a side
  // also waits behind its own threads (3 event loops or 2 wrk threads on 1 CPU), and on this VM the wake-up of an
  // idle vCPU counts as wait too (quiet 20k runs read 13–43 % of the window with no other task on either CPU).
  const busyUs = otherUs + Math.max(0, d("labRunUs"));
  const waitPct = (d("waitUs") / (windowS * 1e6)) * 100;
  return {
    cpus,
    threads: b.threads,
    runQueueWaitUs: Math.round(d("waitUs")),
    runQueueWaitPct: round2(waitPct),
    waitBehindOthersPct: round2(busyUs > 0 ? (waitPct * otherUs) / busyUs : 0),
    worstIntervalWaitUs: Math.round(maxWaitUs),
    otherTasksCpuPct: round2((otherUs / capUs) * 100),
    irqCpuPct: round2(((d("irqUs") + d("softirqdUs")) / capUs) * 100), // NOTE: partly inside the sides' own time
    stealCpuPct: round2((d("stealUs") / capUs) * 100),
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
