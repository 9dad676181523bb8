// make plan on fixture results: the plan for the user's numbers, the same as the notes' rows, and one-line refusals.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { nofileLimits } from "../../scripts/lib/machine/limits.ts";
import { connectionsPerLb } from "../../scripts/lib/processes/haproxy-fds.ts";
import { REPO, run, runCli } from "../helpers/cli.ts";
import { CAPACITY_SET, PLACED_SET } from "../helpers/fixture-sets.ts";
import { writeFixtures } from "../helpers/result-fixtures.ts";

/** A make lb-cost record with the fields the plan reads: HAProxy's µs, the server's ratio, the config's pooling. */
function writeLbCost(dir: string, id: string, startedAt: string, lbUs: number, tune: string): void {
  const m = (median: number) => ({ median, min: median, max: median, n: 3 });
  mkdirSync(join(dir, id));
  const rec = {
    ...{ schema: "lb-cost/1", id, startedAt },
    haproxy: { version: "2.6", nbthread: 1, config: `global\n    maxconn 4200\n${tune}` },
    shape: { connections: 4000, targetRps: 4000 },
    summary: { ratios: { lbUsPerRequest: m(lbUs), serverUsRatio: m(1.2), p99AddedUs: m(3200) } },
  };
  writeFileSync(join(dir, id, "lb-cost.json"), JSON.stringify(rec));
}

describe("make plan from fixture results", () => {
  let dir: string;
  const plan = (args: string[]) => runCli("scripts/plan.ts", ["--results-dir", dir, ...args]);
  before(() => {
    dir = mkdtempSync(join(os.tmpdir(), "lab-plan-"));
    writeFixtures(dir, [...CAPACITY_SET, ...PLACED_SET]);
    // the older run has the template's pooling (90/80), the newer one other limits (HAProxy's defaults)
    const pool = "    tune.pool-high-fd-ratio 90\n    tune.pool-low-fd-ratio 80\n";
    writeLbCost(dir, "lb-cost-old", "2026-12-06T04:48:26Z", 38.8, pool);
    writeLbCost(dir, "lb-cost-new", "2026-12-06T05:28:31Z", 86.9, "");
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

  // NOTE: HAProxy's processes follow this machine's hard nofile limit (20,000 here): computed, not written down.
  const lbProcesses = (connections: number, servers: number): number =>
    Math.ceil(connections / connectionsPerLb(nofileLimits("self").hard, servers));

  test("--fleet: server hosts of --host-cpus, HAProxy from the lb-cost run with the template's pooling", async () => {
    const r = await plan(["--fleet", "--host-cpus", "2"]);
    assert.equal(r.code, 0, r.stderr);
    const o = r.stdout.slice(r.stdout.indexOf("\nfleet: "));
    assert.match(
      o,
      /^\nfleet: 20,000 RPS over 20,000 connections behind HAProxy, on hosts of 2 CPUs \(--host-cpus\)\n/,
    );
    // 25.9 µs direct × 1.2 through the LB = 31.1 µs; 0.62 cores → 1 CPU → 1 host
    assert.match(
      o,
      /server hosts +1 \(CPU: 0\.62 cores at 100 % → 1 CPU at 70 % → 1 host of 2; fds: 4,000 connections/,
    );
    assert.match(o, /server µs per request +31\.1 \(25\.9 direct × 1\.20 through HAProxy \+ handler 0\)/);
    assert.match(
      o,
      /HAProxy +38\.8 µs per request \(lb-cost-old: .*as the template now; the newer lb-cost-new read 86\.9 µs/,
    );
    // 38.8 µs × 20,000 = 0.78 cores → 2 CPUs → 1 host; the processes: the larger of the CPUs and the fds' count
    assert.match(o, /LB CPU +0\.78 cores at 100 % → 2 CPUs at 70 % → 1 host of 2/);
    const procs = Math.max(2, lbProcesses(20_000, 1));
    assert.match(
      o,
      new RegExp(
        `HAProxy processes +${procs} \\(one thread each: the larger of 2 CPUs and ${lbProcesses(20_000, 1)} by fds`,
      ),
    );
    assert.match(
      o,
      /LB → servers +4,000 connections \(the requests in flight\), kept open and reused \(its fds stay under pool-low-fd-ratio 80 % of maxsock\): ≈ no connects\/s/,
    );
    assert.match(o, /p99 above the stub +.* ms server \+ 3\.2 ms HAProxy = /);
    assert.match(o, /hosts +2 \(server 1 \+ LB 1\), not counting wrk's/);
  });

  test("the fleet section comes by itself when one host cannot serve the target, and not when it can", async () => {
    const big = await plan(["--target-rps", "100000", "--connections", "100000", "--host-cpus", "2"]);
    assert.equal(big.code, 0, big.stderr);
    // 31.1 µs × 100,000 = 3.11 cores → 5 CPUs → 3 hosts; the LB 3.88 cores → 6 CPUs → 3 hosts
    assert.match(big.stdout, /\nfleet: 100,000 RPS over 100,000 connections/);
    assert.match(big.stdout, /server hosts +3 \(CPU: 3\.11 cores at 100 % → 5 CPUs at 70 % → 3 hosts of 2/);
    assert.match(big.stdout, /each server host +33,333 RPS, 6,667 connections from the LB/);
    assert.match(big.stdout, /hosts +6 \(server 3 \+ LB 3\)/);
    const small = await plan(["--host-cpus", "2"]);
    assert.equal(small.code, 0, small.stderr);
    assert.doesNotMatch(small.stdout, /fleet:/);
    const json = await plan([
      "--json",
      "--target-rps",
      "100000",
      "--connections",
      "100000",
      "--host-cpus",
      "2",
    ]);
    assert.equal(JSON.parse(json.stdout).fleet.plan.hosts.total, 6);
  });

  test("no lb-cost run: HAProxy unmeasured, its processes from the fds alone", async () => {
    const bare = mkdtempSync(join(os.tmpdir(), "lab-plan-bare-"));
    try {
      writeFixtures(bare, [...CAPACITY_SET, ...PLACED_SET]);
      const r = await runCli("scripts/plan.ts", ["--results-dir", bare, "--fleet", "--host-cpus", "2"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /HAProxy +unmeasured: no results\/lb-cost-\*\/lb-cost\.json \(make lb-cost\)/);
      assert.match(
        r.stdout,
        new RegExp(`HAProxy processes +≥ ${lbProcesses(20_000, 1)} \\(${lbProcesses(20_000, 1)} by fds`),
      );
      assert.match(r.stdout, /server µs per request +25\.9 \(25\.9 direct \+ handler 0\)/);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
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
        [["--host-cpus", "0"], /--host-cpus must be an integer from 1/],
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

  test("make plan passes TARGET_RPS, CONNECTIONS, STUB_MS, P99_MS, HANDLER_US, FLEET and HOST_CPUS through", async () => {
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
    const fleet = await run("make", ["-s", "plan", `RESULTS_DIR=${dir}`, "FLEET=1", "HOST_CPUS=4"], {
      cwd: REPO,
    });
    assert.equal(fleet.code, 0, fleet.stderr);
    assert.match(
      fleet.stdout,
      /\nfleet: 20,000 RPS over 20,000 connections behind HAProxy, on hosts of 4 CPUs/,
    );
    const bad = await run("make", ["-s", "plan", `RESULTS_DIR=${dir}`, "TARGET_RPS=x"], { cwd: REPO });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: --target-rps must be an integer/);
  });
});

test("make plan CHECK=<a run that is not a fleet's>: one line naming it, exit 2", async () => {
  const r = await runCli("scripts/plan.ts", ["--check", "20261123-163604-paced-w4-c20000"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--check: 20261123-163604-paced-w4-c20000 is not a fleet run/);
});
