// Each server host of a fleet: its processes' CPU and its event loops' run-queue wait, sampled at the phase's ends.
import { CpuSampler } from "../machine/cpu-sampler.ts";
import { SchedSampler } from "../machine/schedstat.ts";
import type { FleetStats } from "../processes/fleet-stats.ts";

/** A server host's readings over the phase; null where its pids are another machine's (not readable here). */
export interface MemberMeter {
  cpuUs: number | null;
  waitPct: number | null;
}

export class FleetMeters {
  private readonly cpu: CpuSampler[];
  private readonly sched: SchedSampler[];
  private waitUs: number[] = [];
  private t0 = 0;
  private t1 = 0;

  /** visible: false for server hosts on other machines (a fleet over ssh): nothing is sampled */
  constructor(
    fleet: FleetStats,
    readonly visible = true,
  ) {
    const pids = fleet.members.map((m) => (visible ? [m.stats.primaryPid, ...m.stats.pids] : []));
    this.cpu = pids.map((p) => new CpuSampler(() => p));
    this.sched = pids.map((p) => new SchedSampler(() => p, true));
  }

  sample(): void {
    this.t1 = performance.now();
    if (this.t0 === 0) this.t0 = this.t1;
    for (const c of this.cpu) c.sample();
    this.waitUs = this.sched.map((s) => s.sample().waitUs);
  }

  /** Member i: CPU µs and run-queue wait, % of the phase. */
  of(i: number): MemberMeter {
    if (!this.visible) return { cpuUs: null, waitPct: null };
    const ms = this.t1 - this.t0;
    const waitUs = this.waitUs[i] ?? 0;
    return { cpuUs: this.cpu[i]?.cpuUsTotal() ?? 0, waitPct: ms > 0 ? waitUs / 10 / ms : 0 };
  }
}
