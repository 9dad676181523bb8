// CPU and RSS of a changing group of processes, sampled on demand from /proc.
import { performance } from "node:perf_hooks";
import { procStat, rssBytes } from "./proc.ts";

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
