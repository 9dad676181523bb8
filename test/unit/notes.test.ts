// The capacity model behind make notes and make plan, on fixture records in memory: regimes, cells, coefficients, plans.
import assert from "node:assert/strict";
import { test } from "node:test";
import { coefficients } from "../../scripts/lib/model/model-coefficients.ts";
import { infeasible, plan, TARGET_UTILISATION } from "../../scripts/lib/model/model-plan.ts";
import { fitRss } from "../../scripts/lib/model/model-rss.ts";
import { typicalError, validationRows } from "../../scripts/lib/model/model-validate.ts";
import { planText } from "../../scripts/lib/model/plan-text.ts";
import { bestAt, cellsOf, rssPer1k, selectRuns } from "../../scripts/lib/notes/notes-data.ts";
import { groupRuns } from "../../scripts/lib/notes/notes-groups.ts";
import { CAPACITY_SET, PLACED_SET } from "../helpers/fixture-sets.ts";
import { fixtureResults, MiB } from "../helpers/result-fixtures.ts";

const placed = selectRuns(fixtureResults(PLACED_SET)).runs;
const old = selectRuns(fixtureResults(CAPACITY_SET)).runs;
const near = (a: number, b: number, eps = 1e-6) =>
  assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

// pooled over the split paced runs, weighted by responses (RPS × 10 s):
// (40 × 10,000 + 30 × 100,000 + 25 × 600,000) ÷ 710,000 µs; wrk per connection-second, pooled over connections
// (wrk unsaturated, 50 %): (60 × 1,000 + 50 × 10,000 + 50 × (20,000 + 19,990 + 20,010)) ÷ 71,000 µs
const SERVER_US = 18_400_000 / 710_000;
const WRK_US = 3_560_000 / 71_000;

test("regimes: split, shared and shared under somaxconn 128 are three groups, placed first, dirty runs counted", () => {
  const gs = groupRuns(placed);
  assert.deepEqual(
    gs.map((g) => [
      g.regime.kind,
      g.runs.length,
      g.dirty,
      /somaxconn ([\d,]+)/.exec(g.regime.tuningLabel)?.[1],
    ]),
    [
      ["split", 6, 0, "4,096"],
      ["shared", 2, 2, "4,096"],
      ["shared", 1, 1, "128"],
    ],
  );
  // old records (no placement) are shared
  assert.deepEqual(
    groupRuns(old).map((g) => g.regime.kind),
    ["shared"],
  );
});

test("regimes: another machine (CPU model or kernel build) or another LB process count is another regime", () => {
  const a = placed.find((r) => r.placement?.kind === "split");
  assert.ok(a);
  const elsewhere = { ...a, machine: { ...a.machine, model: "Intel(R) Xeon(R) Processor" } };
  const kernel = { ...a, machine: { ...a.machine, kernel: `${a.machine.kernel}-other` } };
  assert.equal(groupRuns([a, { ...a }]).length, 1);
  assert.equal(groupRuns([a, elsewhere]).length, 2);
  assert.equal(groupRuns([a, kernel]).length, 2);
  assert.match(
    groupRuns([elsewhere])[0]?.regime.machineLabel ?? "",
    /2 × Intel\(R\) Xeon\(R\) Processor, kernel /,
  );
  const fleet = (processes?: number) =>
    ({
      ...a,
      placement: { ...a.placement, kind: "fleet" },
      fleet: { lb: { processes }, servers: [{}, {}] },
    }) as unknown as typeof a;
  const labels = groupRuns([fleet(undefined), fleet(1), fleet(3)]).map((g) => g.regime.placementLabel);
  assert.deepEqual(
    labels.map((l) => /2 servers behind [^·]+/.exec(l)?.[0].trim()),
    ["2 servers behind HAProxy", "2 servers behind 3 HAProxy processes"],
    "records before LB processes (none) pool with one process",
  );
});

test("cells: repeats keep their n, median and min–max; the same shape in another regime is another cell", () => {
  const [split, shared] = groupRuns(placed).map((g) => cellsOf(g.runs));
  const cell = split?.find((c) => c.workers === 4 && c.connections === 20000 && c.mode === "paced");
  assert.ok(cell);
  assert.deepEqual([cell.runs.length, cell.passes, cell.dirty], [3, 2, 0]);
  assert.deepEqual(cell.rps, { median: 20000, min: 19990, max: 20010, n: 3 });
  assert.deepEqual(cell.p99Us, { median: 215000, min: 212000, max: 231000, n: 3 });
  assert.deepEqual(cell.serverCores, { median: 0.5, min: 0.5, max: 0.5, n: 3 });
  const other = shared?.find((c) => c.workers === 4 && c.connections === 20000 && c.mode === "paced");
  assert.deepEqual([other?.runs.length, other?.passes, other?.dirty], [2, 1, 2]);
  // highest passing RPS at a stated connection count: 2 workers hold 10,000 paced; at 20,000 nothing passed
  assert.equal(bestAt(split ?? [], 2, 10000)?.rps.median, 10000);
  assert.equal(bestAt(split ?? [], 4, 20000), null);
});

test("coefficients come from the placed runs only, and say so; without any, from shared runs and wrk's constant", () => {
  const k = coefficients(placed, TARGET_UTILISATION);
  near(k.serverUs.paced.value, SERVER_US);
  near(k.generator.pacedUsPerConnection.value, WRK_US);
  assert.match(
    k.generator.pacedUsPerConnection.from,
    /pooled over 5 placed paced runs with wrk < 90 %.*71,000 connections/,
  );
  near(k.generator.saturateUsPerRequest.value, 14);
  near(k.serverUs.saturate.value, 15);
  assert.equal(k.serverUs.paced.runs.length, 5);
  assert.match(k.serverUs.paced.from, /pooled over 5 placed paced runs, 710,000 responses/);
  near(k.rssPerProcessBytes.value, 80 * MiB, 1e-6);
  near(k.rssPerConnectionBytes.value, 8192, 1e-6);
  // p99 above the stub: the worst of the placed runs at ≤ 70 % of their CPU (the saturate run at 90 % is out)
  assert.deepEqual(
    [k.p99OverStubUs.value, k.p99OverStubUs.upToRps, k.p99OverStubUs.runs.length],
    [31000, 20010, 5],
  );
  // … and per worker count, which the plan checks against its own workers
  const by = k.p99OverStubUs.byWorkers;
  assert.deepEqual(Object.keys(by), ["2", "4"]);
  assert.deepEqual([by["2"]?.value, by["2"]?.upToRps, by["4"]?.value], [5000, 10000, 31000]);
  const fallback = coefficients(old, TARGET_UTILISATION);
  assert.match(fallback.serverUs.paced.from, /shared-placement paced runs \(no placed run recorded/);
  assert.equal(fallback.generator.pacedUsPerConnection.value, 90);
  assert.match(fallback.generator.pacedUsPerConnection.from, /no placed paced run with wrk unsaturated/);
  // a saturated wrk takes all it is given: its µs per request is a floor, never the paced coefficient
  const saturated = placed.map((r) => {
    const c = structuredClone(r);
    c.measurements.cpu.generatorOfItsCpusPct = 99;
    return c;
  });
  assert.equal(coefficients(saturated, TARGET_UTILISATION).generator.pacedUsPerConnection.value, 90);
  assert.ok(Number.isNaN(fallback.p99OverStubUs.value));
});

test("plan: the machines its runs came from, and ⚠ when none ran on this one", () => {
  const k = coefficients(placed, TARGET_UTILISATION);
  const p = plan({ targetRps: 20000, connections: 20000, stubMs: 200, p99Ms: 220, handlerUs: 0 }, k);
  const [m] = k.machines;
  assert.ok(m && k.machines.length === 1 && m.runs === placed.filter((r) => !r.fleet).length);
  const text = (here: string) =>
    planText(p, k, { resultsDir: "results", stubMsOfRuns: 200, here })
      .split("\n")
      .find((l) => l.includes("machines"));
  assert.match(text(m.machine) ?? "", new RegExp(`this machine .* ran ${m.runs} of the runs`));
  assert.doesNotMatch(text(m.machine) ?? "", /⚠/);
  assert.match(text("2 × another CPU, kernel x") ?? "", /⚠ none on this one: .* ran 0 of the runs/);
});

test("plan: server CPUs at 70 %, fd workers, RSS + kernel RAM, generator CPUs and hosts for 20k over 20k", () => {
  const k = coefficients(placed, TARGET_UTILISATION);
  const p = plan({ targetRps: 20000, connections: 20000, stubMs: 200, p99Ms: 220, handlerUs: 0 }, k);
  near(p.serverCores, (20000 * SERVER_US) / 1e6);
  assert.deepEqual([p.serverCpus, p.fdWorkers, p.workers], [1, 2, 2]);
  near(p.ram.rssBytes, 3 * 80 * MiB + 20000 * 8192);
  assert.equal(p.ram.kernelBytes, 20000 * 4096);
  near(p.generator.cores, (20000 * WRK_US) / 1e6);
  assert.deepEqual([p.generator.cpus, p.generator.shards], [2, 2]); // 1.003 cores ÷ 0.9 → 2
  // wrk's need follows the connections, not the rate: half the rate over the same connections needs as much
  const half = plan({ targetRps: 10000, connections: 20000, stubMs: 200, p99Ms: 220, handlerUs: 0 }, k);
  near(half.generator.cores, p.generator.cores);
  assert.deepEqual(p.hosts, { total: 2, server: 1, generator: 1, oneHost: false }); // 1 + 2 CPUs > 2
  assert.equal(p.p99.verdict, "ok"); // 2 workers: 20 ms of budget ≥ the 5 ms their runs measured
  const strict = plan({ targetRps: 20000, connections: 20000, stubMs: 200, p99Ms: 203, handlerUs: 0 }, k);
  assert.equal(strict.p99.verdict, "tight"); // 3 ms of budget < 5 ms
  const heavy = plan({ targetRps: 20000, connections: 20000, stubMs: 200, p99Ms: 240, handlerUs: 80 }, k);
  assert.deepEqual([heavy.serverCpus, heavy.workers, heavy.hosts.total, heavy.p99.verdict], [4, 4, 3, "ok"]);
  const light = plan({ targetRps: 2000, connections: 2000, stubMs: 200, p99Ms: 240, handlerUs: 0 }, k);
  assert.deepEqual(
    [light.serverCpus, light.generator.cpus, light.hosts.total, light.hosts.oneHost],
    [1, 1, 1, true],
  );
});

test("plan inputs that contradict themselves: too few connections for the rate, a p99 under the stub", () => {
  const q = { targetRps: 20000, connections: 3999, stubMs: 200, p99Ms: 220, handlerUs: 0 };
  assert.match(infeasible(q) ?? "", /takes ≥ 4,000 connections/);
  assert.equal(infeasible({ ...q, connections: 4000 }), null);
  assert.match(infeasible({ ...q, connections: 4000, p99Ms: 200 }) ?? "", /not above the 200 ms stub/);
});

test("the model checked against each measured cell: predicted vs measured CPU and RSS, with the error", () => {
  const k = coefficients(placed, TARGET_UTILISATION);
  const groups = groupRuns(placed).map((g, i) => ({
    name: `g${i}`,
    placed: g.regime.placed,
    cells: cellsOf(g.runs),
  }));
  const rows = validationRows(groups, k);
  const r = rows.find((x) => x.group === "g0" && x.workers === 4 && x.mode === "paced");
  assert.ok(r);
  near(r.cpu.predicted, (20000 * SERVER_US) / 1e6);
  assert.equal(r.cpu.measured, 0.5);
  near(r.cpu.errorPct, (((20000 * SERVER_US) / 1e6 - 0.5) / 0.5) * 100);
  near(r.rss.errorPct, 0, 1e-9);
  assert.equal(typicalError(rows.filter((x) => x.placed)).n, 4);
});

test("RSS per 1,000 connections: the slope, or the ratio with the reason it is one", () => {
  const split = groupRuns(placed)[0]?.runs ?? [];
  assert.deepEqual(rssPer1k(split.filter((r) => r.server.workers === 2)), {
    bytes: 8192 * 1000,
    method: "slope",
    why: "slope over 2 connection counts",
  });
  assert.equal(rssPer1k(split.filter((r) => r.server.workers === 4)).why, "one connection count");
  const flat = split
    .filter((r) => r.server.workers === 2)
    .map((r) => ({
      ...r,
      measurements: { ...r.measurements, rssBytes: 300 * MiB - r.load.connections * 1024 },
    }));
  assert.equal(rssPer1k(flat).why, "slope ≤ 0 over 2 connection counts");
  assert.match(fitRss(old).method, /least-squares fit over 12 shared runs/);
});
