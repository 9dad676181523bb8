// The sweep's grid (workers × connections × mode), its resumable state file, and the ETA of what is left.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { littleCeilingRps } from "../contract/little.ts";
import type { Mode } from "../contract/record.ts";
import { writeAtomic } from "../core/atomic.ts";
import { InvalidRun } from "../core/cli.ts";

/** Settings every cell of one sweep shares; a resume with different ones would mix incomparable runs. */
export interface SweepSettings {
  stubMs: number;
  budgetMs: number;
  durationS: number;
  warmupS: number;
  threads: number;
  timeoutS: number;
  /** the placement of every run ("split: server CPUs 1, wrk CPUs 0"); absent in sweeps made before it */
  placement?: string;
}

export interface Cell {
  key: string;
  workers: number;
  connections: number;
  mode: Mode;
  /** paced: the rate sent; both modes: the SLO target the run is judged against */
  targetRps: number;
}

export interface CellState extends Cell {
  /** result ids (results/<id>/), one per repeat */
  runs: string[];
  /** set when the cell cannot be run here (InvalidRun: fd limit, server did not start, …) */
  skipped: string | null;
  /** repeats asked of this cell: the most any run of the sweep asked (REPEATS=3 for some cells only) */
  repeats?: number;
}

export interface SweepState {
  schema: "sweep-state/1";
  name: string;
  createdAt: string;
  updatedAt: string;
  settings: SweepSettings;
  cells: CellState[];
}

// NOTE: the list parser lives with the other option parsers (core/parse.ts); the sweep's tests use it here.
export { intList as parseList } from "../core/parse.ts";

/** Default target of a cell: a fifth of the Little ceiling (connections ÷ stub), well inside it. */
export function defaultTargetRps(connections: number, stubMs: number): number {
  return Math.max(1, Math.round(littleCeilingRps(connections, stubMs) / 5));
}

export function cellKey(c: Omit<Cell, "key">): string {
  return `w${c.workers}-c${c.connections}-${c.mode}-r${c.targetRps}`;
}

// NOTE: saturate cells are judged against the same target as their paced twin: the closed loop sends what
// it can, and the cell PASSes when it delivered at least that with the latency inside the SLO.
export function buildGrid(
  workers: number[],
  connections: number[],
  modes: Mode[],
  stubMs: number,
  targetRps: number | null,
): Cell[] {
  const cells: Cell[] = [];
  for (const w of workers)
    for (const c of connections)
      for (const mode of modes) {
        const cell = {
          workers: w,
          connections: c,
          mode,
          targetRps: targetRps ?? defaultTargetRps(c, stubMs),
        };
        cells.push({ key: cellKey(cell), ...cell });
      }
  return cells;
}

export function sweepDir(resultsDir: string, name: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith("."))
    throw new InvalidRun(`--name must be letters, digits, . _ - (not starting with .), got "${name}"`);
  return join(resultsDir, `sweep-${name}`);
}

export function readState(dir: string): SweepState | null {
  const path = join(dir, "state.json");
  if (!existsSync(path)) return null;
  try {
    const s = JSON.parse(readFileSync(path, "utf8")) as SweepState;
    if (s.schema !== "sweep-state/1" || !Array.isArray(s.cells)) throw new Error("not a sweep-state/1 file");
    return s;
  } catch (e) {
    throw new InvalidRun(`${path}: ${(e as Error).message} — remove it or pass --force`);
  }
}

export function writeState(dir: string, s: SweepState): void {
  mkdirSync(dir, { recursive: true });
  s.updatedAt = new Date().toISOString();
  writeAtomic(join(dir, "state.json"), `${JSON.stringify(s, null, 1)}\n`);
}

/**
 * The state to continue from: the saved one (cells of this grid added, finished ones kept), or a fresh one.
 * NOTE: a resume with other shared settings is refused (exit 2): its cells would not be comparable.
 */
export function openState(
  dir: string,
  name: string,
  settings: SweepSettings,
  grid: Cell[],
  force: boolean,
): SweepState {
  const now = new Date().toISOString();
  const saved = force ? null : readState(dir);
  if (saved) {
    const diff = (Object.keys(settings) as (keyof SweepSettings)[]).filter(
      (k) => saved.settings[k] !== settings[k],
    );
    if (diff.length > 0) {
      const was = diff.map((k) => `${k} ${saved.settings[k]} (now ${settings[k]})`).join(", ");
      throw new InvalidRun(
        `sweep "${name}" was recorded with ${was}: pass the same settings, --force to start over, or another --name`,
      );
    }
  }
  const state: SweepState = saved ?? {
    schema: "sweep-state/1",
    name,
    createdAt: now,
    updatedAt: now,
    settings,
    cells: [],
  };
  for (const c of grid)
    if (!state.cells.some((s) => s.key === c.key)) state.cells.push({ ...c, runs: [], skipped: null });
  return state;
}

export function cellOf(state: SweepState, key: string): CellState {
  const c = state.cells.find((s) => s.key === key);
  if (!c) throw new Error(`sweep state has no cell ${key}`);
  return c;
}

export function finished(c: CellState, repeats: number): boolean {
  return c.skipped !== null || c.runs.length >= repeats;
}

/** Remaining wall time: measured seconds per run once there are some, else the planned length. */
export class Eta {
  private runs = 0;
  private totalS = 0;

  constructor(
    private readonly plannedRunS: number,
    private remainingRuns: number,
  ) {}

  ran(wallS: number): void {
    this.runs++;
    this.totalS += wallS;
    this.remainingRuns = Math.max(0, this.remainingRuns - 1);
  }

  /** a cell skipped: its remaining runs will not happen */
  dropped(runs: number): void {
    this.remainingRuns = Math.max(0, this.remainingRuns - runs);
  }

  secondsLeft(): number {
    const per = this.runs > 0 ? this.totalS / this.runs : this.plannedRunS;
    return per * this.remainingRuns;
  }
}

export function fmtDuration(s: number): string {
  const t = Math.round(s);
  if (t < 60) return `${t}s`;
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(t % 60).padStart(2, "0")}s`;
}
