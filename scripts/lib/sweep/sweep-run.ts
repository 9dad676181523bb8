// Running a sweep: open its state, run every unfinished cell (one server per worker count), write sweep.md.
import { join } from "node:path";
import { ruleList } from "../contract/reasons.ts";
import type { ResultRecord } from "../contract/record.ts";
import { writeAtomic } from "../core/atomic.ts";
import { InvalidRun } from "../core/cli.ts";
import { int, ms } from "../core/format.ts";
import { checkInterrupted, Interrupted, interruptSignal, whenInterrupted } from "../core/interrupt.ts";
import { sleep } from "../core/sleep.ts";
import type { Slo } from "../core/slo.ts";
import type { RunOptions } from "../load/run-phases.ts";
import type { LocalPlacement } from "../placement/local.ts";
import { type RunningServer, startServer } from "../processes/server.ts";
import { runLoad } from "../results/run.ts";
import { type SweepPageData, sweepPageData } from "./sweep-page-data.ts";
import {
  type Cell,
  type CellState,
  cellOf,
  Eta,
  finished,
  fmtDuration,
  openState,
  type SweepSettings,
  type SweepState,
  sweepDir,
  writeState,
} from "./sweep-plan.ts";
import { sweepTable } from "./sweep-report.ts";

const say = (l: string): void => {
  process.stderr.write(`${l}\n`);
};

/** What the driver parsed from its options. */
export interface SweepInput {
  name: string;
  resultsDir: string;
  force: boolean;
  settings: SweepSettings;
  slo: Slo;
  repeats: number;
  cooldownMs: number;
  workersList: number[];
  grid: Cell[];
  placement: LocalPlacement;
  /** each run's report.html (report/run-page-lazy.ts, given by the driver: planning imports no report) */
  runPage: RunOptions["runPage"];
  /** the sweep's report.html from its data (report/sweep-page.ts, given by the driver: planning imports no report) */
  sweepPage: (data: SweepPageData) => Promise<string>;
}

/** An opened sweep: its directory, its saved state, this grid's cells in it, and the ETA of what is left. */
export interface Sweep extends SweepInput {
  dir: string;
  state: SweepState;
  cells: CellState[];
  eta: Eta;
}

const left = (c: CellState, repeats: number): number => (finished(c, repeats) ? 0 : repeats - c.runs.length);
const doneCells = (s: Sweep): number => s.cells.filter((c) => finished(c, s.repeats)).length;

export function openSweep(i: SweepInput): Sweep {
  const dir = sweepDir(i.resultsDir, i.name);
  const state = openState(dir, i.name, i.settings, i.grid, i.force);
  const cells = i.grid.map((c) => cellOf(state, c.key));
  // NOTE: a state written before cells kept their repeats: the runs a cell has are what was asked of it.
  for (const c of cells) c.repeats = Math.max(c.repeats ?? c.runs.length, i.repeats);
  writeState(dir, state);
  const plannedRunS = i.settings.warmupS + i.settings.durationS + i.cooldownMs / 1000 + 5;
  const eta = new Eta(
    plannedRunS,
    cells.reduce((s, c) => s + left(c, i.repeats), 0),
  );
  const sweep: Sweep = { ...i, dir, state, cells, eta };
  say(
    `sweep ${i.name}: ${cells.length} cells (${doneCells(sweep)} already finished), ${cells.reduce((s, c) => s + left(c, i.repeats), 0)} runs to go, about ${fmtDuration(eta.secondsLeft())} — state in ${dir}/state.json`,
  );
  return sweep;
}

/** sweep.md and report.html beside state.json, and the table on stdout. */
export async function finishSweep(s: Sweep): Promise<void> {
  const table = sweepTable(s.state, s.resultsDir, s.repeats);
  writeAtomic(join(s.dir, "sweep.md"), table);
  writeAtomic(join(s.dir, "report.html"), await s.sweepPage(sweepPageData(s.state, s.resultsDir, s.repeats)));
  process.stdout.write(
    `\n${table}\nsweep ${s.name}: complete — ${s.dir}/sweep.md, ${s.dir}/report.html; \`make notes\` for capacity.md\n`,
  );
}

/** Every unfinished cell, worker count by worker count; Ctrl-C keeps the finished runs for a resume. */
export class SweepRunner {
  private readonly signal = interruptSignal();
  private server: RunningServer | null = null;
  private ranOne = false;

  constructor(private readonly s: Sweep) {}

  async run(): Promise<void> {
    try {
      for (const w of this.s.workersList) await this.runWorkers(w);
    } catch (e) {
      if (e instanceof Interrupted)
        say(
          `\nsweep ${this.s.name}: finished runs are kept in ${this.s.dir}/state.json — run the same command to resume`,
        );
      throw e;
    } finally {
      await this.server?.stop(); // also on failure and Ctrl-C
    }
  }

  private async runWorkers(w: number): Promise<void> {
    const { cooldownMs, repeats } = this.s;
    for (const c of this.s.cells.filter((x) => x.workers === w)) {
      while (!finished(c, repeats)) {
        checkInterrupted(this.signal);
        if (this.ranOne && cooldownMs > 0)
          await Promise.race([sleep(cooldownMs), whenInterrupted(this.signal)]);
        const server = await this.serverFor(c, w);
        if (!server) break;
        await this.runOnce(c, w, server);
      }
    }
    await this.server?.stop();
    this.server = null;
  }

  private async serverFor(c: CellState, w: number): Promise<RunningServer | null> {
    const s = this.server;
    if (s && s.exitedAt() === null) return s;
    // NOTE: a server that died (crash loop) is started again; one that cannot start skips its cells.
    this.server = await startServer({
      workers: w,
      stubMs: this.s.settings.stubMs,
      prefix: this.s.placement.serverPrefix,
    }).catch((e: Error) => {
      this.skip(c, `the server did not start: ${e.message.trim().split("\n").slice(-1)[0]}`);
      return null;
    });
    return this.server;
  }

  private async runOnce(c: CellState, w: number, server: RunningServer): Promise<void> {
    const { settings, eta, repeats } = this.s;
    say(
      `\nsweep ${this.s.name} [cells ${doneCells(this.s)}/${this.s.cells.length} done · ETA ${fmtDuration(eta.secondsLeft())}] ${w} workers · ${int(c.connections)} connections · ${c.mode} · target ${int(c.targetRps)} rps · repeat ${c.runs.length + 1}/${repeats}`,
    );
    const t0 = performance.now();
    try {
      const { record, dir: rd } = await runLoad({
        runPage: this.s.runPage,
        placement: this.s.placement.request,
        url: `${server.url}/ping/`,
        mode: c.mode,
        threads: settings.threads,
        shards: 0,
        warmupS: settings.warmupS,
        timeoutS: settings.timeoutS,
        resultsDir: this.s.resultsDir,
        slo: {
          ...this.s.slo,
          connections: c.connections,
          targetRps: c.targetRps,
          durationS: settings.durationS,
          overheadBudgetMs: settings.budgetMs,
        },
      });
      this.ranOne = true;
      c.runs.push(record.id);
      writeState(this.s.dir, this.s.state);
      eta.ran((performance.now() - t0) / 1000 + this.s.cooldownMs / 1000);
      say(resultLine(record, rd));
    } catch (e) {
      if (!(e instanceof InvalidRun)) throw e;
      this.skip(c, e.message); // NOTE: a cell this worker count cannot hold (fd limit, …) is data, not a crash
    }
  }

  private skip(c: CellState, reason: string): void {
    c.skipped = reason;
    this.s.eta.dropped(left({ ...c, skipped: null }, this.s.repeats));
    writeState(this.s.dir, this.s.state);
    say(`  skipped ${c.key}: ${reason}`);
  }
}

function resultLine(record: ResultRecord, dir: string): string {
  const m = record.measurements;
  return `  → ${record.verdict.pass ? "PASS" : "FAIL"} ${int(m.rps)} rps · p99 ${ms(m.latencyUs.p99)} ms · bound ${record.bound}${record.verdict.pass ? "" : ` · ${ruleList(record.verdict.reasons)}`} · ${dir}`;
}
