// make plan on fixture results: the plan for the user's numbers, the same as the notes' rows, and one-line refusals.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO, run, runCli } from "../helpers/cli.ts";
import { CAPACITY_SET, PLACED_SET } from "../helpers/fixture-sets.ts";
import { writeFixtures } from "../helpers/result-fixtures.ts";

describe("make plan from fixture results", () => {
  let dir: string;
  const plan = (args: string[]) => runCli("scripts/plan.ts", ["--results-dir", dir, ...args]);
  before(() => {
    dir = mkdtempSync(join(os.tmpdir(), "lab-plan-"));
    writeFixtures(dir, [...CAPACITY_SET, ...PLACED_SET]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the plan states its inputs, each figure, and where each coefficient came from", async () => {
    const r = await plan(["--target-rps", "20000", "--connections", "20000", "--stub-ms", "200"]);
    assert.equal(r.code, 0, r.stderr);
    const o = r.stdout;
    assert.match(o, /^plan: 20,000 RPS over 20,000 connections, stub 200 ms, p99 ≤ 220 ms, handler 0 µs\n/);
    assert.match(
      o,
      /inputs: --target-rps 20000 --connections 20000 --stub-ms 200 --p99-ms 220 --handler-us 0/,
    );
    assert.match(o, /server CPU +0\.52 cores at 100 % → 1 CPU at 70 % \(25\.9 µs per request\)/);
    assert.match(o, /workers +2 \(fd minimum 2: 20,000 × 1\.1 ÷ workers \+ 64 ≤ 20,000\)/);
    assert.match(o, /RAM, server side +474\.4 MiB \(RSS 396\.3 \+ kernel 78\.1\)/);
    assert.match(
      o,
      /generator to test it +2 CPUs of wrk paced \(1\.00 cores at 50\.1 µs per connection per second\), 2 shards/,
    );
    assert.match(o, /hosts +2 \(server 1 \+ generator 1, 2 CPUs each\)/);
    assert.match(o, /pooled over 5 placed paced runs, 710,000 responses/);
    assert.match(r.stderr, /exit 0: ok/);
  });

  test("a handler's own CPU and a looser p99: more CPUs and workers, the p99 check passes", async () => {
    const r = await plan(["--target-rps", "20000", "--handler-us", "80", "--p99-ms", "240"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /→ 4 CPUs at 70 % \(105\.9 µs per request\)/);
    assert.match(r.stdout, /p99 +40\.0 ms above the stub ≥ 31\.0 ms measured up to 20,010 RPS/);
  });

  test("--json: the same plan the notes write to capacity.json for the same numbers", async () => {
    const r = await plan(["--json"]);
    assert.equal(r.code, 0, r.stderr);
    const mine = JSON.parse(r.stdout);
    const n = await runCli("scripts/notes.ts", ["--results-dir", dir]);
    assert.equal(n.code, 0, n.stderr);
    const notes = JSON.parse(readFileSync(join(dir, "capacity.json"), "utf8"));
    assert.deepEqual(mine.plan, notes.plans[0]);
    assert.deepEqual(mine.model, notes.model);
  });

  test("bad input: exit 2 and one line naming the problem", async () => {
    const empty = mkdtempSync(join(os.tmpdir(), "lab-plan-empty-"));
    try {
      const cases: [string[], RegExp][] = [
        [["--target-rps", "abc"], /--target-rps must be an integer/],
        [["--connections", "0"], /--connections must be an integer from 1/],
        [["--handler-us", "-5"], /--handler-us must be an integer from 0/],
        [
          ["--connections", "1000"],
          /cannot carry --target-rps 20000 at a 200 ms stub: .* ≥ 4,000 connections/,
        ],
        [["--p99-ms", "150"], /--p99-ms 150 is not above the 200 ms stub/],
        [["--bogus", "1"], /Unknown argument/],
        [["--results-dir", empty], /no uWS runs in .* to measure the costs from/],
      ];
      for (const [args, why] of cases) {
        const r = await plan(args);
        assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
        const lines = r.stderr.trimEnd().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0] ?? "", /^error: /);
        assert.match(lines[0] ?? "", why);
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  test("make plan passes TARGET_RPS, CONNECTIONS, STUB_MS, P99_MS and HANDLER_US through", async () => {
    const r = await run(
      "make",
      [
        "-s",
        "plan",
        `RESULTS_DIR=${dir}`,
        "TARGET_RPS=50000",
        "CONNECTIONS=25000",
        "STUB_MS=200",
        "HANDLER_US=5",
      ],
      { cwd: REPO },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^plan: 50,000 RPS over 25,000 connections, stub 200 ms, p99 ≤ 220 ms, handler 5 µs/,
    );
    const bad = await run("make", ["-s", "plan", `RESULTS_DIR=${dir}`, "TARGET_RPS=x"], { cwd: REPO });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: --target-rps must be an integer/);
  });
});
