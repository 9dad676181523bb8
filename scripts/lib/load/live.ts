// Live sampling during a run: server counters and CPU each second, a progress line, the steady window.

import type { Measurements } from "../contract/record.ts";
import { int } from "../core/format.ts";
import { CpuSampler } from "../machine/cpu-sampler.ts";
import { count2xx, fetchLabStats, loadConnections } from "./lab-stats.ts";

export interface Sample {
  /** seconds since wrk started */
  t: number;
  r2xx: number;
  /** connections the load holds open (the stats call's own connection excluded) */
  open: number;
  inFlight: number;
  /** CPU µs each side had used by then (cumulative), for the steady window's CPU */
  serverCpuUs: number;
  wrkCpuUs: number;
}

export class LiveSampler {
  readonly samples: Sample[] = [];
  readonly serverCpu: CpuSampler;
  readonly wrkCpu: CpuSampler;
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly base: string,
    private serverPids: number[],
    wrkPids: number[] | (() => number[]),
    private readonly durationS: number,
    private readonly log: (line: string) => void,
    /** false: the server's pids are another machine's (hosts placement): its CPU is not sampled here */
    private readonly serverVisible = true,
  ) {
    this.serverCpu = new CpuSampler(() => this.serverPids);
    this.wrkCpu = new CpuSampler(typeof wrkPids === "function" ? wrkPids : () => wrkPids);
  }

  start(): void {
    const t0 = performance.now();
    this.serverCpu.sample();
    this.wrkCpu.sample();
    this.loop = (async () => {
      let prev: Sample | null = null;
      let logged = 0;
      // NOTE: once a second, but at least ~10 samples in a short run, so its steady window has edges to use.
      const every = Math.min(1000, Math.max(250, (this.durationS * 1000) / 10));
      while (this.running) {
        await sleep(every - ((performance.now() - t0) % every));
        if (!this.running) break;
        const ask = performance.now();
        const s = await fetchLabStats(this.base).catch(() => null);
        this.serverCpu.sample();
        this.wrkCpu.sample();
        if (!s) continue;
        if (this.serverVisible) this.serverPids = [s.primaryPid, ...s.pids];
        // NOTE: the sample's time is the middle of the stats call, which takes a few ms under load.
        const cur: Sample = {
          t: ((ask + performance.now()) / 2 - t0) / 1000,
          r2xx: count2xx(s),
          open: loadConnections(s),
          inFlight: s.inFlight,
          serverCpuUs: this.serverCpu.cpuUsTotal(),
          wrkCpuUs: this.wrkCpu.cpuUsTotal(),
        };
        this.samples.push(cur);
        const live = prev ? (cur.r2xx - prev.r2xx) / (cur.t - prev.t) : 0;
        prev = cur;
        if (Math.floor(cur.t) <= logged) continue;
        logged = Math.floor(cur.t);
        this.log(
          `  [${cur.t.toFixed(0).padStart(3)} s / ${this.durationS} s] ${int(live)} rps (2xx, server) · open ${int(cur.open)} · in flight ${int(cur.inFlight)} · cpu server ${this.serverCpu.lastIntervalPercent().toFixed(0)} % wrk ${this.wrkCpu.lastIntervalPercent().toFixed(0)} %`,
        );
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.serverCpu.sample();
    this.wrkCpu.sample();
  }

  established(): number {
    return Math.max(0, ...this.samples.map((s) => s.open));
  }

  /** Seconds from wrk's start until the server held every connection (null: never). */
  connectedAtS(conns: number): number | null {
    const t = this.samples.find((s) => s.open >= conns)?.t;
    return t === undefined ? null : round3(t);
  }

  /** After every connection is up and one settle period has passed, until just before wrk stopped. */
  steadyWindow(conns: number, settleS: number, endS: number): Measurements["steadyWindow"] {
    const peak = this.established();
    const upAt = this.samples.find((s) => s.open >= Math.min(conns, peak))?.t ?? 0;
    const inside = this.samples.filter((s) => s.t >= upAt + settleS && s.t <= endS - 0.25);
    const a = inside[0];
    const b = inside[inside.length - 1];
    if (!a || !b || b.t - a.t < 0.9) return null;
    // NOTE: CPU over the same window: the connect storm and the drain at the end are not what a side sustains.
    const pct = (us: number): number => us / 1e4 / (b.t - a.t);
    return {
      fromS: round3(a.t),
      toS: round3(b.t),
      responses2xx: b.r2xx - a.r2xx,
      serverPct: pct(b.serverCpuUs - a.serverCpuUs),
      generatorPct: pct(b.wrkCpuUs - a.wrkCpuUs),
    };
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
