// The exports: latency.hgrm (HdrHistogram's percentile text, as wrk2 prints it) and the results index (README + CSV).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Bucket } from "../../scripts/lib/contract/histogram.ts";
import { hgrmText, percentileRows } from "../../scripts/lib/results/hgrm.ts";
import { csvField, indexCsv, indexTable } from "../../scripts/lib/results/index-files.ts";
import { fixtureResults } from "../helpers/result-fixtures.ts";

describe("latency.hgrm", () => {
  test("percentile ticks as hdr_percentile_iter walks them: 10 % steps, halving toward 100 %", () => {
    // one sample at each of 1..10 µs: 1-µs buckets, so every value is its own highest equivalent value
    const h: Bucket[] = Array.from({ length: 10 }, (_, i): Bucket => [i + 1, 1]);
    const rows = percentileRows(h);
    // worked by hand from HdrHistogram_c (the step is 100 / (5 × 2^(⌊log2(100 / (100 − p))⌋ + 1))); the same rows
    // as wrk2's copy of hdr_percentiles_print printed for these ten values
    const expected: [number, number][] = [
      [1, 0],
      [1, 10],
      [2, 20],
      [3, 30],
      [4, 40],
      [5, 50],
      [6, 55],
      [6, 60],
      [7, 65],
      [7, 70],
      [8, 75],
      [8, 77.5],
      [8, 80],
      [9, 82.5],
      [9, 85],
      [9, 87.5],
      [9, 88.75],
      [9, 90],
      [10, 91.25],
      [10, 100],
    ];
    assert.deepEqual(
      rows.map((r) => [r.valueUs, r.percentile]),
      expected,
    );
    assert.deepEqual(
      rows.map((r) => r.totalCount),
      expected.map(([v]) => v),
      "the count up to each bucket",
    );
  });

  test("the text: wrk2's header, %12.3f ms / %12f / %12d / %12.2f rows at each bucket's highest value, the footer", () => {
    // 100 µs buckets at 200 ms (4 significant digits, as result.json keeps them)
    const text = hgrmText([
      [200_000, 50],
      [200_100, 40],
      [230_000, 10],
    ]);
    const lines = text.split("\n");
    assert.equal(lines[0], "       Value   Percentile   TotalCount 1/(1-Percentile)");
    assert.equal(lines[1], "");
    assert.equal(lines[2], "     200.099     0.000000           50         1.00");
    assert.equal(lines[7], "     200.099     0.500000           50         2.00");
    assert.equal(lines[8], "     200.199     0.550000           90         2.22");
    assert.equal(lines[19], "     200.199     0.900000           90        10.00");
    assert.equal(lines[20], "     230.099     0.912500          100        11.43");
    assert.equal(lines[21], "     230.099     1.000000          100          inf");
    // mean over bucket midpoints: (200,050 × 50 + 200,150 × 40 + 230,050 × 10) / 100 = 203,090 µs
    assert.equal(lines[22], "#[Mean    =      203.090, StdDeviation   =        9.032]");
    assert.equal(lines[23], "#[Max     =      230.000, Total count    =          100]");
    assert.equal(lines[24], "#[Buckets =            6, SubBuckets     =        10000]");
    assert.equal(lines[25], "");
    assert.equal(lines.length, 26);
  });

  test("an empty histogram: only the 100 % row, zero counts", () => {
    const lines = hgrmText([]).split("\n");
    assert.equal(lines[2], "       0.000     1.000000            0          inf");
    assert.equal(lines[3], "#[Mean    =        0.000, StdDeviation   =        0.000]");
  });
});

describe("results index", () => {
  const results = fixtureResults([
    { at: 0, workers: 2, mode: "paced", connections: 1000, rps: 1000, p99Ms: 201.25 },
    {
      at: 60,
      workers: 1,
      mode: "saturate",
      connections: 5000,
      rps: 9000,
      p99Ms: 480,
      bound: "server",
      reasons: [
        { rule: "rps", detail: "steady 9,000 < 10,000" },
        { rule: "latency", detail: 'p99 "480 ms"' },
      ],
    },
  ]);

  test("README.md: newest first, ms, date, duration, placement and port range", () => {
    const lines = indexTable(results).split("\n");
    const head = lines.find((l) => l.startsWith("| id |")) ?? "";
    assert.match(
      head,
      /\| date \| duration \| .*\| placement \| ports \| RPS \| p99 ms \| over-stub p99 ms \|/,
    );
    const rows = lines.filter((l) => l.startsWith("| ["));
    assert.equal(rows.length, 2);
    assert.match(rows[0] ?? "", /^\| \[20260101-000100-saturate-w1-c5000\]/);
    const cells = (rows[1] ?? "").split(" | ");
    assert.deepEqual(cells.slice(1, 3), ["2026-01-01 00:00", "10 s"]);
    assert.deepEqual(cells.slice(7, 12), ["shared", "1024–65535", "1,000", "201.3", "1.3"]);
    assert.match(rows[0] ?? "", /\| server \| FAIL \(rps, latency\) \|$/);
  });

  test('index.csv: the same rows in base units, a header, fields with , or " quoted', () => {
    assert.equal(csvField("a,b"), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField("two\nlines"), '"two\nlines"');
    assert.equal(csvField(null), "");
    assert.equal(csvField(205.5), "205.5");
    const lines = indexCsv(results).trimEnd().split("\n");
    assert.equal(lines.length, 3);
    const head = (lines[0] ?? "").split(",");
    const at = (row: string, name: string): string => row.split(",")[head.indexOf(name)] ?? "?";
    assert.equal(at(lines[2] ?? "", "p99_us"), "201250");
    assert.equal(at(lines[2] ?? "", "started_at"), "2026-01-01T00:00:00.000Z");
    assert.equal(at(lines[2] ?? "", "duration_s"), "10");
    assert.equal(at(lines[2] ?? "", "port_range_max"), "65535");
    assert.equal(at(lines[2] ?? "", "placement"), "shared");
    assert.ok((lines[1] ?? "").endsWith(',server,FAIL,"rps, latency"'), lines[1]);
    assert.equal(head.at(-1), "failed_rules");
  });
});
