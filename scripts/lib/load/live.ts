// Live sampling during a run: server counters and CPU each second, a progress line, the steady window.

import type { Measurements } from "../contract/record.ts";
import { int } from "../core/format.ts";
import { sleep } from "../core/sleep.ts";
import { CpuSampler } from "../machine/cpu-sampler.ts";
import { readStats, type StatsSource, serverPidsOf } from "../processes/fleet-stats.ts";
import { count2xx, loadConnections } from "../processes/lab-stats.ts";
import type { ContentionBetween, ContentionReading, ContentionSampler } from "./contention.ts";

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
  /** a fleet's LB (HAProxy); absent without one */
  lbCpuUs?: number;
  /** each side's cumulative run-queue wait and its CPUs' times, when a contention sampler runs */
  contention?: ContentionReading;
}

export class LiveSampler {
  readonly samples: Sample[] = [];
  readonly serverCpu: CpuSampler;
  readonly wrkCpu: CpuSampler;
  /** a fleet's LB: an empty group without one */
  readonly lbCpu: CpuSampler;
  private running = true;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly base: StatsSource,
    private serverPids: number[],
    wrkPids: number[] | (() => number[]),
    private readonly durationS: number,
    private readonly log: (line: string) => void,
    /** false: the server's pids are another machine's (hosts placement): its CPU is not sampled here */
    private readonly serverVisible = true,
    private readonly contention?: ContentionSampler,
    private readonly lbPids: readonly number[] = [],
  ) {
    this.serverCpu = new CpuSampler(() => this.serverPids);
    this.wrkCpu = new CpuSampler(typeof wrkPids === "function" ? wrkPids : () => wrkPids);
    this.lbCpu = new CpuSampler(() => this.lbPids);
  }

  private sampleCpu(): void {
    this.serverCpu.sample();
    this.wrkCpu.sample();
    this.lbCpu.sample();
  }

  start(): void {
    const t0 = performance.now();
    this.sampleCpu();
    this.contention?.sample();
    this.loop = (async () => {
      let prev: Sample | null = null;
      let logged = 0;
      // NOTE: once a second, but at least ~10 samples in a short run, so its steady window has edges to use.
      const every = Math.min(1000, Math.max(250, (this.durationS * 1000) / 10));
      while (this.running) {
        await sleep(every - ((performance.now() - t0) % every));
        if (!this.running) break;
        const ask = performance.now();
        const s = await readStats(this.base).catch(() => null);
        this.sampleCpu();
        if (!s) continue;
        if (this.serverVisible) this.serverPids = serverPidsOf(s);
        // NOTE: the sample's time is the middle of the stats call, which takes a few ms under load.
        const cur: Sample = {
          t: ((ask + performance.now()) / 2 - t0) / 1000,
          r2xx: count2xx(s),
          open: loadConnections(s),
          inFlight: s.inFlight,
          serverCpuUs: this.serverCpu.cpuUsTotal(),
          wrkCpuUs: this.wrkCpu.cpuUsTotal(),
          lbCpuUs: this.lbCpu.cpuUsTotal(),
          contention: this.contention?.sample(),
        };
        this.samples.push(cur);
        const live = prev ? (cur.r2xx - prev.r2xx) / (cur.t - prev.t) : 0;
        const other = this.otherLine(prev, cur);
        prev = cur;
        if (Math.floor(cur.t) <= logged) continue;
        logged = Math.floor(cur.t);
        this.log(
          `  [${cur.t.toFixed(0).padStart(3)} s / ${this.durationS} s] ${int(live)} rps (2xx, server) · open ${int(cur.open)} · in flight ${int(cur.inFlight)} · cpu server ${this.serverCpu.lastIntervalPercent().toFixed(0)} % wrk ${this.wrkCpu.lastIntervalPercent().toFixed(0)} %${this.lbLine()}${other}`,
        );
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.sampleCpu();
  }

  private lbLine(): string {
    return this.lbPids.length ? ` lb ${this.lbCpu.lastIntervalPercent().toFixed(0)} %` : "";
  }

  /** " · other tasks: server CPUs 3 % wrk CPUs 0 %" between two samples, "" without a contention sampler. */
  private otherLine(prev: Sample | null, cur: Sample): string {
    if (!this.contention || !prev?.contention || !cur.contention) return "";
    const c = this.contention.over([prev.contention, cur.contention], cur.t - prev.t);
    const pct = (x: { otherTasksCpuPct: number } | null) => (x ? `${x.otherTasksCpuPct.toFixed(0)} %` : "?");
    return ` · other tasks: server CPUs ${pct(c.server)} wrk CPUs ${pct(c.generator)}`;
  }

  /** How the record's per-interval samples turn two readings into contention; undefined without a sampler. */
  contentionBetween(): ContentionBetween | undefined {
    const c = this.contention;
    return c ? (rs, dt) => c.over(rs, dt) : undefined;
  }

  /** The server's pids as of the last sample (its workers may be revived mid-run). */
  serverPidsNow(): number[] {
    return this.serverPids;
  }

  established(): number {
    return Math.max(0, ...this.samples.map((s) => s.open));
  }

  /** Seconds from wrk's start until the server held every connection (null: never). */
  connectedAtS(conns: number): number | null {
    const t = this.samples.find((s) => s.open >= conns)?.t;
    return t === undefined ? null : round3(t);
  }

  /** The samples of the steady window: after every connection is up and one settle period, until wrk stops. */
  private steadySamples(conns: number, settleS: number, endS: number): Sample[] {
    const peak = this.established();
    const upAt = this.samples.find((s) => s.open >= Math.min(conns, peak))?.t ?? 0;
    const inside = this.samples.filter((s) => s.t >= upAt + settleS && s.t <= endS - 0.25);
    const a = inside[0];
    const b = inside[inside.length - 1];
    return a && b && b.t - a.t >= 0.9 ? inside : [];
  }

  /** Each side's contention over the steady window; null without one (or without a contention sampler). */
  contentionOver(conns: number, settleS: number, endS: number): Measurements["contention"] {
    const inside = this.steadySamples(conns, settleS, endS);
    const rs = inside.flatMap((s) => (s.contention ? [s.contention] : []));
    const a = inside[0];
    const b = inside[inside.length - 1];
    if (!this.contention || !a || !b || rs.length !== inside.length) return null;
    return this.contention.over(rs, b.t - a.t);
  }

  /** After every connection is up and one settle period has passed, until just before wrk stopped. */
  steadyWindow(conns: number, settleS: number, endS: number): Measurements["steadyWindow"] {
    const inside = this.steadySamples(conns, settleS, endS);
    const a = inside[0];
    const b = inside[inside.length - 1];
    if (!a || !b) return null;
    // NOTE: CPU over the same window: the connect storm and the drain at the end are not what a side sustains.
    const pct = (us: number): number => us / 1e4 / (b.t - a.t);
    return {
      fromS: round3(a.t),
      toS: round3(b.t),
      responses2xx: b.r2xx - a.r2xx,
      serverPct: pct(b.serverCpuUs - a.serverCpuUs),
      generatorPct: pct(b.wrkCpuUs - a.wrkCpuUs),
      ...(this.lbPids.length ? { lbPct: pct((b.lbCpuUs ?? 0) - (a.lbCpuUs ?? 0)) } : {}),
    };
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
