// make sweep: the grid and its state file, then a tiny real sweep that resumes (re-run → every cell skipped).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import { nofileLimits } from "../../scripts/lib/machine/limits.ts";
import {
  buildGrid,
  defaultTargetRps,
  Eta,
  openState,
  parseList,
  type SweepSettings,
  type SweepState,
  writeState,
} from "../../scripts/lib/planning/sweep-plan.ts";
import { type CliOptions, runCli } from "../helpers/cli.ts";

const SETTINGS: SweepSettings = {
  stubMs: 50,
  budgetMs: 20,
  durationS: 2,
  warmupS: 0,
  threads: 1,
  timeoutS: 2,
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const sweep = (args: string[], onStart?: CliOptions["onStart"]): Promise<Run> =>
  runCli("scripts/sweep.ts", args, { onStart });

const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

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

describe("a tiny real sweep (1 worker, stub 50 ms, 2 s)", () => {
  let dir: string;
  // NOTE: one worker can never hold as many connections as its own fd limit: that cell must be skipped.
  const lim = nofileLimits("self").hard;
  const tooMany = Number.isFinite(lim) ? lim : 1_000_000;
  const args = (): string[] => [
    ...["--name", "t", "--workers", "1", "--connections", `100,${tooMany}`, "--modes", "paced"],
    ...["--duration", "2s", "--warmup", "0", "--cooldown", "0", "--stub-ms", "50", "--threads", "1"],
    ...["--results-dir", dir],
  ];
  before(() => {
    dir = mkdtempSync(join(os.tmpdir(), "lab-sweep-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("runs the cell it can, skips the one it cannot with the reason, then resumes with nothing to do", async () => {
    const first = await sweep(args());
    assert.equal(first.code, 0, first.stderr);
    const state = JSON.parse(readFileSync(join(dir, "sweep-t", "state.json"), "utf8")) as SweepState;
    const [ok, big] = state.cells;
    assert.equal(ok?.runs.length, 1);
    assert.equal(ok?.skipped, null);
    assert.ok(existsSync(join(dir, ok?.runs[0] ?? "?", "result.json")));
    assert.deepEqual(big?.runs, []);
    assert.match(big?.skipped ?? "", /open files/);
    assert.match(
      readFileSync(join(dir, "sweep-t", "sweep.md"), "utf8"),
      /\| 1 \| 100 \| paced \| 400 \| 1 \|/,
    );
    assert.match(first.stderr, /cells 0\/2 done · ETA/);

    const runsBefore = readdirSync(dir).filter((d) => /^\d{8}-/.test(d));
    const second = await sweep(args());
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /2 cells \(2 already finished\), 0 runs to go/);
    assert.doesNotMatch(second.stderr, /repeat \d/);
    assert.deepEqual(
      readdirSync(dir).filter((d) => /^\d{8}-/.test(d)),
      runsBefore,
    );
  });

  test("bad options exit 2; Ctrl-C exits 130 with the server stopped and the state kept", async () => {
    assert.equal((await sweep(["--workers", "0", "--results-dir", dir])).code, 2);
    assert.equal((await sweep([...args(), "--duration", "5s"])).code, 2); // other settings than the saved sweep
    let tree: number[] = [];
    const r = await sweep([...args().map((a) => (a === "t" ? "int" : a)), "--duration", "5s"], (p) =>
      p.stderr?.on("data", (d: Buffer) => {
        if (tree.length === 0 && /in flight/.test(d.toString())) {
          tree = descendants(p.pid ?? 0); // the server's primary and workers, and wrk
          p.child?.kill("SIGINT");
        }
      }),
    );
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /run the same command to resume/);
    const state = JSON.parse(readFileSync(join(dir, "sweep-int", "state.json"), "utf8")) as SweepState;
    assert.deepEqual(state.cells[0]?.runs, []);
    assert.ok(tree.length >= 2, `server processes seen: ${tree}`);
    await new Promise((res) => setTimeout(res, 300)); // orphans are reaped by init
    assert.deepEqual(tree.filter(alive), []);
  });
});

/** Every process below pid (from /proc/<pid>/task/<tid>/children). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    let kids: number[] = [];
    try {
      kids = readFileSync(`/proc/${pid}/task/${t}/children`, "utf8")
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {}
    for (const k of kids) out.push(k, ...descendants(k));
  }
  return out;
}
