// The sweep plan without running anything: the grid, the resumable state file, the ETA.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import {
  buildGrid,
  defaultTargetRps,
  Eta,
  openState,
  parseList,
  type SweepSettings,
  type SweepState,
  writeState,
} from "../../scripts/lib/sweep/sweep-plan.ts";
import { sweepRows } from "../../scripts/lib/sweep/sweep-report.ts";

const SETTINGS: SweepSettings = {
  stubMs: 50,
  budgetMs: 20,
  durationS: 2,
  warmupS: 0,
  threads: 1,
  timeoutS: 2,
};

describe("sweep plan", () => {
  test("grid: workers × connections × modes, paced default = Little ceiling ÷ 5", () => {
    const g = buildGrid([1, 2], [1000, 20000], ["saturate", "paced"], 200, null);
    assert.equal(g.length, 8);
    assert.deepEqual(g[1], {
      key: "w1-c1000-paced-r1000",
      workers: 1,
      connections: 1000,
      mode: "paced",
      targetRps: 1000,
    });
    assert.equal(defaultTargetRps(20000, 200), 20000);
    assert.equal(buildGrid([4], [5000], ["paced"], 200, 7000)[0]?.targetRps, 7000);
    assert.throws(() => parseList("workers", "1,x"), InvalidRun);
    assert.throws(() => parseList("workers", "0"), InvalidRun);
    assert.deepEqual(parseList("workers", "4, 1,4"), [4, 1]);
  });

  test("state: resumes finished cells, adds new ones, refuses other settings unless forced", () => {
    const dir = mkdtempSync(join(os.tmpdir(), "lab-sweep-state-"));
    try {
      const g = buildGrid([1], [100], ["paced"], 50, null);
      const s = openState(dir, "t", SETTINGS, g, false);
      (s.cells[0] as SweepState["cells"][number]).runs.push("run-1");
      writeState(dir, s);
      const again = openState(dir, "t", SETTINGS, buildGrid([1, 2], [100], ["paced"], 50, null), false);
      assert.deepEqual(
        again.cells.map((c) => [c.key, c.runs]),
        [
          ["w1-c100-paced-r400", ["run-1"]],
          ["w2-c100-paced-r400", []],
        ],
      );
      assert.throws(
        () => openState(dir, "t", { ...SETTINGS, durationS: 10 }, g, false),
        /durationS 2 \(now 10\)/,
      );
      assert.deepEqual(openState(dir, "t", { ...SETTINGS, durationS: 10 }, g, true).cells[0]?.runs, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("ETA: planned length first, then the measured mean per run", () => {
    const e = new Eta(10, 4);
    assert.equal(e.secondsLeft(), 40);
    e.ran(6);
    assert.equal(e.secondsLeft(), 18);
    e.dropped(2);
    assert.equal(e.secondsLeft(), 6);
  });
});

test("sweep table: a cell is pending against the repeats asked of it, not the last run's REPEATS", () => {
  const dir = mkdtempSync(join(os.tmpdir(), "sweep-rows-"));
  try {
    const [one, three] = buildGrid([2], [1000, 20000], ["paced"], 200, null);
    const state = openState(
      dir,
      "t",
      SETTINGS,
      [one, three].filter((c) => c !== undefined),
      false,
    );
    const [a, b] = state.cells;
    if (!a || !b) throw new Error("two cells expected");
    Object.assign(a, { runs: ["r1"], repeats: 1 });
    Object.assign(b, { runs: ["r2"], repeats: 3 });
    const notes = sweepRows(state, dir, 3).map((r) => r.cells.at(-1));
    assert.deepEqual(notes, ["", "pending (1/3)"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
