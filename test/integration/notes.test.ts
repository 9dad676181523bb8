// make notes from a fixture set of result.json files: the capacity table, the planning numbers, valid SVG charts.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FD_RESERVE, minWorkersFor } from "../../scripts/lib/machine/limits.ts";
import { cellsOf, perWorkers, selectRuns } from "../../scripts/lib/planning/notes-data.ts";
import { fitRss, planRow, TARGET_UTILISATION } from "../../scripts/lib/planning/notes-plan.ts";
import { loadResults } from "../../scripts/lib/results/run-dir.ts";
import { runCli } from "../helpers/cli.ts";
import { CAPACITY_SET, MiB, writeFixtures } from "../helpers/result-fixtures.ts";

/** Well-formed enough: one root <svg>, every tag closed in order (comments and self-closing tags allowed). */
function assertSvg(text: string): void {
  assert.match(text, /^<svg[\s>]/);
  assert.match(text.trimEnd(), /<\/svg>$/);
  const stack: string[] = [];
  for (const m of text.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, close, name, self] = m;
    if (self) continue;
    if (close) assert.equal(stack.pop(), name, `</${name}> closes the wrong element`);
    else stack.push(name as string);
  }
  assert.deepEqual(stack, [], "unclosed elements");
}

/** The series of an SVG line chart: one line-mark group per series, named by its aria-label. */
function lineSeries(svg: string): string[] {
  const labels = [...svg.matchAll(/layer_0_marks"[^>]*><path aria-label="([^"]*)"/g)].map((m) => m[1] ?? "");
  return labels.map((l) => `${/server: ([^;]+)/.exec(l)?.[1]} / ${/mode: (\w+)/.exec(l)?.[1]}`);
}

describe("capacity notes from fixture results", () => {
  let dir: string;
  let md: string;
  let stderr: string;
  before(async () => {
    dir = mkdtempSync(join(os.tmpdir(), "lab-notes-"));
    writeFixtures(dir, CAPACITY_SET);
    mkdirSync(join(dir, "20260101-010000-paced-w8-c1000"));
    writeFileSync(join(dir, "20260101-010000-paced-w8-c1000", "result.json"), '{"id": "truncated');
    mkdirSync(join(dir, "sweep-grid"));
    writeFileSync(
      join(dir, "sweep-grid", "state.json"),
      JSON.stringify({
        schema: "sweep-state/1",
        name: "grid",
        createdAt: "",
        updatedAt: "",
        settings: {},
        cells: [
          {
            key: "w1-c20000-paced-r20000",
            workers: 1,
            connections: 20000,
            mode: "paced",
            targetRps: 20000,
            runs: [],
            skipped: "open files worker 1: soft 20,000 / hard 20,000, needs ≥ 22,064",
          },
          {
            key: "w4-c60000-paced-r60000",
            workers: 4,
            connections: 60000,
            mode: "paced",
            targetRps: 60000,
            runs: [],
            skipped: "net.ipv4.ip_local_port_range: 64,512 ports, needs ≥ 120,000",
          },
        ],
      }),
    );
    const r = await runCli("scripts/notes.ts", ["--results-dir", dir]);
    assert.equal(r.code, 0, r.stderr);
    stderr = r.stderr;
    md = readFileSync(join(dir, "capacity.md"), "utf8");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const rowOf = (workers: number): string => {
    const line = md.split("\n").find((l) => l.startsWith(`| ${workers} | `) && l.includes("conns"));
    assert.ok(line, `no per-worker row for ${workers}`);
    return line;
  };

  test("per worker count: the highest passing RPS and the first failing cell above it, with its reasons", () => {
    assert.match(
      rowOf(1),
      /\| \*\*5,000\*\* \| paced · 5,000 conns @ 5,000 rps \| paced · 10,000 conns @ 10,000 rps \| 8,000 \|/,
    );
    assert.match(rowOf(1), /rps: steady 8,000 req\/s < target 10,000.*; latency: p99 480,000 µs/);
    assert.match(rowOf(2), /\| \*\*24,000\*\* \| saturate · 5,000 conns \| did not break within the grid \|/);
    assert.match(
      rowOf(4),
      /\| \*\*10,000\*\* \| paced · 10,000 conns @ 10,000 rps \| 60,000 conns: could not run \| - \| net\.ipv4/,
    );
    const ws = perWorkers(cellsOf(selectRuns(loadResults(dir)).runs));
    assert.deepEqual(
      ws.map((w) => [w.workers, w.best?.rps.median, w.brokeAt?.connections ?? null, w.generatorBound]),
      [
        [1, 5000, 10000, 0],
        [2, 24000, null, 1],
        [4, 10000, null, 0],
      ],
    );
  });

  test("repeats are one cell: median and min–max; peers, other stubs and corrupt records are left out", () => {
    assert.match(
      md,
      /\| 2 \| paced \| 10,000 \| 10,000 \| 10,000 \| 2\/2 \| 9,995 \(9,990–10,000\) \| 207\.0 \(206\.0–208\.0\) \|/,
    );
    assert.match(md, /12 uWS runs with stub 200 ms/);
    assert.match(md, /left out: 1 peer \/ non-uWS runs .*, 1 with another stub/);
    assert.match(stderr, /warning: skipping .*20260101-010000-paced-w8-c1000/);
  });

  test("server CPU per request, RSS per 1,000 connections, Little's law, generator-bound, skipped cells", () => {
    assert.match(rowOf(1), /\| 20\.0 \(20\.0–60\.0\) \| /); // the median over its runs
    // RSS = (workers + 1) × 80 MiB + connections × 8 KiB: the slope is 7.8 MiB per 1,000; 4 workers have one
    // connection count only, so whole RSS ÷ connections: (5 × 80 MiB + 10,000 × 8 KiB) ÷ 10 = 47.8 MiB, a bound.
    assert.match(rowOf(1), /\| 7\.8 \| 0 \|$/);
    assert.match(rowOf(2), /\| 7\.8 \| 1 \|$/);
    assert.match(rowOf(4), /\| ≤ 47\.8 \| 0 \|$/);
    assert.match(
      md,
      /\| 20260101-000240-saturate-w2-c5000 \| 2 \| 5,000 \| 24,000 \| 208\.3 \| 5,000 \| 1\.000 \| ok \|/,
    );
    assert.match(md, /- `20260101-000240-saturate-w2-c5000`: 2 workers, saturate, 5,000 conns → 24,000 RPS/);
    assert.match(md, /\| grid \| 1 \| 20,000 \| paced \| open files worker 1: soft 20,000/);
  });

  test("planning: cores from µs/request at the stated utilisation, workers from fds and cores, RAM from the RSS fit", () => {
    const runs = selectRuns(loadResults(dir)).runs;
    const rss = fitRss(runs);
    assert.ok(Math.abs(rss.perProcessBytes - 80 * MiB) < 1024, String(rss.perProcessBytes));
    assert.ok(Math.abs(rss.perConnectionBytes - 8192) < 1, String(rss.perConnectionBytes));
    const row = planRow(100_000, {
      stubMs: 200,
      usPerRequest: 20,
      fdLimit: 20000,
      minWorkersForFds: (c) => minWorkersFor(c, 20000, FD_RESERVE),
      rss,
      utilisation: TARGET_UTILISATION,
    });
    assert.deepEqual(
      {
        connections: row.connections,
        cpu: row.cpuCores,
        cores: row.cores,
        fd: row.fdWorkers,
        workers: row.workers,
      },
      { connections: 20000, cpu: 2, cores: 3, fd: 2, workers: 3 },
    );
    // pooled, each run weighted by its responses: (60 × 10,000 + 20 × 748,400) ÷ 758,400 = 20.53 µs
    assert.match(
      md,
      /20\.5 µs of server CPU per request \(server CPU ÷ responses pooled over 10 PASS runs, 758,400 responses/,
    );
    assert.match(md, /\| 20,000 \| 4,000 \| 0\.41 \| 1 \| 1 \| 1 \| 191\.3 MiB \| yes \|/);
    assert.match(md, /\| 100,000 \| 20,000 \| 2\.05 \| 3 \| 2 \| 3 \| 476\.3 MiB \| no: needs 3 cores \|/);
    assert.match(md, /plan each core at 70 % busy/);
  });

  test("charts: valid SVG beside capacity.md, linked from it, one line per worker count and mode", () => {
    const rps = readFileSync(join(dir, "capacity-rps-vs-connections.svg"), "utf8");
    const p99 = readFileSync(join(dir, "capacity-p99-vs-rps.svg"), "utf8");
    assert.match(md, /!\[Steady RPS vs connections\]\(capacity-rps-vs-connections\.svg\)/);
    assert.match(md, /!\[p99 vs steady RPS\]\(capacity-p99-vs-rps\.svg\)/);
    const series = [
      "1 worker / paced",
      "1 worker / saturate",
      "2 workers / paced",
      "2 workers / saturate",
      "4 workers / paced",
    ];
    for (const svg of [rps, p99]) {
      assertSvg(svg);
      assert.deepEqual(lineSeries(svg).sort(), series);
      for (const w of ["1 worker", "2 workers", "4 workers"]) assert.ok(svg.includes(`>${w}</text>`), w);
    }
    assert.ok(rps.includes("Little ceiling (connections ÷ 0.2 s)</text>"));
    assert.ok(p99.includes("SLO: p99 ≤ 220 ms</text>"));
  });

  test("no uWS runs: a short note and no charts, exit 0", async () => {
    const empty = mkdtempSync(join(os.tmpdir(), "lab-notes-empty-"));
    try {
      writeFixtures(empty, [
        { at: 0, workers: 2, mode: "saturate", connections: 100, rps: 400, p99Ms: 250, impl: "fastapi" },
      ]);
      const r = await runCli("scripts/notes.ts", ["--results-dir", empty]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(readFileSync(join(empty, "capacity.md"), "utf8"), /No uWS runs recorded yet/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
