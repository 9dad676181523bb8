// make sweep for real, tiny: one cell run, one skipped with its reason, a re-run that resumes with nothing to do.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { nofileLimits } from "../../scripts/lib/machine/limits.ts";
import type { SweepState } from "../../scripts/lib/sweep/sweep-plan.ts";
import { runCli, startCli } from "../helpers/cli.ts";

const SWEEP = "scripts/sweep.ts";
const sweep = (args: string[]) => runCli(SWEEP, args);
const alive = (pid: number): boolean => existsSync(`/proc/${pid}`);

describe("a tiny real sweep (1 worker, stub 50 ms, 2 s)", () => {
  let dir: string;
  // NOTE: one worker can never hold as many connections as its own fd limit: that cell must be skipped.
  const lim = nofileLimits("self").hard;
  const tooMany = Number.isFinite(lim) ? lim : 1_000_000;
  const args = (): string[] => [
    ...["--name", "t", "--workers-list", "1", "--connections-list", `100,${tooMany}`, "--modes", "paced"],
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
    const page = readFileSync(join(dir, "sweep-t", "report.html"), "utf8");
    for (const id of ["rps-vs-connections", "p99-vs-rps"])
      assert.match(page, new RegExp(`data-chart="${id}" data-kind="chart"`), id);
    assert.match(
      page,
      new RegExp(`href="\\.\\./${ok?.runs[0]}/report\\.html"`),
      "a link to the cell's run page",
    );

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
    assert.equal((await sweep(["--workers-list", "0", "--results-dir", dir])).code, 2);
    assert.equal((await sweep([...args(), "--duration", "5s"])).code, 2); // other settings than the saved sweep
    let tree: number[] = [];
    const run = startCli(SWEEP, [...args().map((a) => (a === "t" ? "int" : a)), "--duration", "5s"]);
    run.child.stderr?.on("data", (d: Buffer) => {
      if (tree.length === 0 && /in flight/.test(d.toString())) {
        tree = descendants(run.child.pid ?? 0); // the server's primary and workers, and wrk
        run.child.kill("SIGINT");
      }
    });
    const r = await run.done;
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
