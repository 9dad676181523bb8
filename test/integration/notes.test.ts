// make notes from fixture result.json files: regimes kept apart, cells with their spread, the model and its check,
// capacity.json, valid SVG charts, and the same bytes every time.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loadResults } from "../../scripts/lib/results/run-dir.ts";
import { runCli } from "../helpers/cli.ts";
import { CAPACITY_SET, PLACED_SET } from "../helpers/fixture-sets.ts";
import { assertSvg, lineSeries, writeSweepState } from "../helpers/notes-check.ts";
import { fixtureResults, writeFixtures } from "../helpers/result-fixtures.ts";

const notes = (resultsDir: string) => runCli("scripts/notes.ts", ["--results-dir", resultsDir]);
const ALL = [...CAPACITY_SET, ...PLACED_SET];

describe("capacity notes from fixture results", () => {
  let dir: string;
  let md: string;
  let stderr: string;
  const file = (name: string) => readFileSync(join(dir, name), "utf8");
  before(async () => {
    dir = mkdtempSync(join(os.tmpdir(), "lab-notes-"));
    writeFixtures(dir, ALL);
    mkdirSync(join(dir, "20260101-010000-paced-w8-c1000"));
    writeFileSync(join(dir, "20260101-010000-paced-w8-c1000", "result.json"), '{"id": "truncated');
    writeSweepState(dir);
    const r = await notes(dir);
    assert.equal(r.code, 0, r.stderr);
    stderr = r.stderr;
    md = file("capacity.md");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** The text of one section, from its "## " heading to the next. */
  const section = (heading: string): string => {
    const at = md.indexOf(`## ${heading}`);
    assert.ok(at >= 0, `no section ${heading}`);
    const end = md.indexOf("\n## ", at + 3);
    return md.slice(at, end < 0 ? undefined : end);
  };

  test("regimes: split, shared and shared under somaxconn 128 apart; dirty runs counted; peers, other stubs, corrupt records out", () => {
    assert.match(
      md,
      /\| group A \| split · server CPUs 1 · wrk CPUs 0 \| somaxconn 4,096 · .* \| 6 \| 4 \| 0 \|/,
    );
    assert.match(md, /\| group B \| shared \(.*\) \| somaxconn 4,096 · .* \| 14 \| 12 \| 2 \|/);
    assert.match(md, /\| group C \| shared \(.*\) \| somaxconn 128 · .* \| 1 \| 1 \| 1 \|/);
    assert.match(md, /21 uWS runs with stub 200 ms/);
    assert.match(md, /left out: 1 peer \/ non-uWS runs .*, 1 with another stub/);
    assert.match(md, /⚠ 3 of 21 runs were recorded from a dirty tree/);
    assert.match(stderr, /warning: skipping .*20260101-010000-paced-w8-c1000/);
    assert.deepEqual(loadResults(dir), fixtureResults(ALL));
  });

  test("cells per regime: n, median and min–max of repeats, each side's cost; the same shape elsewhere stays apart", () => {
    const a = section("group A");
    assert.match(
      a,
      /\| 4 \| 20,000 \| paced \| 20,000 \| 2\/3 \| 20,000 \(19,990–20,010\) \| 215\.0 \(212\.0–231\.0\) \| 25\.0 \| 50\.0 \| 50 \| 556\.3 \| none \| latency \| clean \|/,
    );
    const b = section("group B");
    assert.match(
      b,
      /\| 4 \| 20,000 \| paced \| 20,000 \| 1\/2 \| 19,500 \(19,000–20,000\) \| 234\.5 \(209\.0–260\.0\) \|.*\| dirty 2\/2 \|/,
    );
    assert.match(
      section("group C"),
      /\| 4 \| 20,000 \| saturate \| 20,000 \| 0\/1 \| 50,000 \|.*\| backlog \| latency \| dirty 1\/1 \|/,
    );
  });

  test("highest passing RPS at each connection count; none passed says what was tried; a sweep's impossible cell", () => {
    const a = section("group A");
    assert.match(a, /\| workers \| 1,000 conns \| 10,000 conns \| 20,000 conns \|/);
    assert.match(a, /\| 2 \| \*\*1,000\*\* paced \| \*\*10,000\*\* paced \| - \|/);
    assert.match(a, /\| 4 \| - \| - \| none passed \(paced 2\/3, saturate 0\/1\) \|/);
    const b = section("group B");
    assert.match(
      b,
      /\| 1 \| \*\*4,900\*\* saturate \| \*\*5,000\*\* paced \| none passed \(paced 0\/1\) \| could not run here \|/,
    );
    assert.match(
      b,
      /\| 2 \| \*\*4,950\*\* saturate \| \*\*24,000\*\* saturate \| \*\*9,995\*\* paced \(n 2\) \| - \|/,
    );
    // RSS per 1,000 connections: a slope, or the fallback with its reason
    assert.match(b, /\| 1 \| 5 \(5\) \| 20\.0 \(20\.0–60\.0\) \| - \| 7\.8 \| 0 \|/);
    assert.match(b, /\| 4 \| 3 \(2\) \| 20\.0 \(20\.0–40\.0\) \| - \| 7\.8 \| 1 \|/);
    assert.match(
      section("group C"),
      /\| 4 \| 1 \(1\) \| 20\.0 \| - \| ≤ 27\.8 \(one connection count\) \| 0 \|/,
    );
  });

  test("the lab's question, every regime: paced 20,000 over 20,000, generator-bound read as such", () => {
    const q = section("The lab's question");
    assert.match(q, /\| group A \| split \| 4 \| 2\/3 \| 215\.0 \(212\.0–231\.0\) \| none \| FAIL \|/);
    assert.match(q, /\| group B \| shared \| 4 \| 1\/2 \|.*\| generator, none \| wrk was the limit/);
  });

  test("planning: coefficients from the placed runs with their sources, 20k/50k/100k over 20,000 connections", () => {
    const p = section("Planning model");
    assert.match(
      p,
      /server CPU per request: paced 25\.9 µs \(server CPU ÷ responses pooled over 5 placed paced runs, 710,000 responses;/,
    );
    assert.match(
      p,
      /wrk CPU: paced 50\.1 µs per connection per second, whatever the rate \(wrk CPU ÷ connections pooled over 5 placed paced runs with wrk < 90 %/,
    );
    assert.match(
      p,
      /server RSS: 80\.0 MiB per process \+ 8\.0 KiB per connection \(least-squares fit over 6 placed runs/,
    );
    assert.match(
      p,
      /\| 20,000 \| 20,000 \| 1\.00 \| 0\.52 \| 1 \| 2 \(2\) \| 474\.4 MiB \(RSS 396\.3 \+ kernel 78\.1\) \| 2 \(2\) \| 2 \(server 1 \+ generator 1, 2 CPUs each\) \| 220 ms: 20\.0 ms above the stub ≥ 5\.0 ms measured up to 10,000 RPS \(the target is beyond/,
    );
    assert.match(p, /\| 100,000 \| 20,000 \| 5\.00 \| 2\.59 \| 4 \| 4 \(2\) \|/);
  });

  test("the model's check: predicted against measured CPU and RSS for every cell, with the error", () => {
    const v = section("Model check");
    assert.match(
      v,
      /\| group A \| 4 \| 20,000 \| paced \| 3 \| 20,000 \| 0\.52 \| 0\.50 \| \+4 % \| 556\.3 \| 556\.3 \| \+0 % \|/,
    );
    assert.match(v, /placed cells: CPU \d+ %, RSS 0 % over 4 cells; shared cells: .* over 13 cells/);
  });

  test("capacity.json: the same cells, coefficients, plans and checks for machines", () => {
    const j = JSON.parse(file("capacity.json"));
    assert.equal(j.schema, "capacity/1");
    assert.equal(j.newestRun, "2026-01-01T00:20:40.000Z");
    assert.deepEqual(
      j.plans.map((p: { request: { targetRps: number } }) => p.request.targetRps),
      [20000, 50000, 100000],
    );
    const cell = j.groups[0].cells.find(
      (c: { workers: number; mode: string }) => c.workers === 4 && c.mode === "paced",
    );
    assert.deepEqual([cell.n, cell.passes, cell.rps.min, cell.rps.max], [3, 2, 19990, 20010]);
    assert.equal(j.model.serverUs.paced.runs.length, 5);
    assert.equal(j.validation.length, 17);
  });

  test("charts: one regime, lines per worker count and mode, PASS/FAIL marks, SLO and target lines, no series in red", () => {
    const rps = file("capacity-rps-vs-connections.svg");
    const p99 = file("capacity-p99-vs-rps.svg");
    assert.match(md, /## Charts \(group B: shared/);
    const series = [
      "1 worker / paced",
      "1 worker / saturate",
      "2 workers / paced",
      "2 workers / saturate",
      "4 workers / paced",
    ];
    for (const svg of [rps, p99]) {
      assertSvg(svg);
      assert.deepEqual(
        lineSeries(svg)
          .map((s) => s.name)
          .sort(),
        series,
      );
      assert.ok(!lineSeries(svg).some((s) => s.stroke === "#d62728"), "a series in the SLO's red");
      for (const w of ["1 worker", "2 workers", "4 workers", "PASS", "FAIL"])
        assert.ok(svg.includes(`>${w}</text>`), w);
      assert.ok(svg.includes("target 20,000 RPS</text>"));
      // spread bars: the 2-worker paced 10,000 cell has two repeats
      assert.match(
        svg,
        /layer_5_marks"[^>]*><line aria-label="[^"]*(rpsMin: 9990; rpsMax: 10000|p99Min: 206; p99Max: 208)/,
      );
    }
    assert.ok(rps.includes("Little ceiling (connections ÷ 0.2 s)</text>"));
    assert.ok(p99.includes("SLO: p99 ≤ 220 ms</text>"));
    assert.ok(p99.includes("↑ 480 ms</text>"), "a p99 above the scale is pinned to the top with its value");
  });

  test("make notes twice: identical bytes (the time is the newest run's, not the clock's)", async () => {
    const read = () =>
      Object.fromEntries(
        readdirSync(dir)
          .filter((f) => f.startsWith("capacity"))
          .map((f) => [f, file(f)]),
      );
    const first = read();
    assert.deepEqual(Object.keys(first).sort(), [
      "capacity-p99-vs-rps.svg",
      "capacity-rps-vs-connections.svg",
      "capacity.json",
      "capacity.md",
    ]);
    const r = await notes(dir);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(read(), first);
    assert.match(md, /newest run 2026-01-01T00:20:40\.000Z/);
  });

  test("no uWS runs: a short note and no charts, exit 0", async () => {
    const empty = mkdtempSync(join(os.tmpdir(), "lab-notes-empty-"));
    try {
      writeFixtures(empty, [
        { at: 0, workers: 2, mode: "saturate", connections: 100, rps: 400, p99Ms: 250, impl: "fastapi" },
      ]);
      const r = await notes(empty);
      assert.equal(r.code, 0, r.stderr);
      assert.match(readFileSync(join(empty, "capacity.md"), "utf8"), /No uWS runs recorded yet/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
