// make diff's arithmetic: the k6-style threshold parser, each row's delta and percentage, the judgement of B.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidRun } from "../../scripts/lib/core/cli.ts";
import { diffGroupRuns, groupDiffText, minP } from "../../scripts/lib/diff/groups.ts";
import { diffText } from "../../scripts/lib/diff/render.ts";
import { diffRuns } from "../../scripts/lib/diff/rows.ts";
import { check, parseThreshold, parseThresholds } from "../../scripts/lib/diff/thresholds.ts";
import { fixtureRecord } from "../helpers/result-fixtures.ts";

describe("thresholds", () => {
  test("relative (a signed or unsigned percentage of A) and absolute limits in base units", () => {
    assert.deepEqual(parseThreshold("p99<+5%"), {
      text: "p99<+5%",
      metric: "p99",
      op: "<",
      pct: 5,
      value: null,
    });
    assert.deepEqual(parseThreshold(" rps > -2% "), {
      text: "rps > -2%",
      metric: "rps",
      op: ">",
      pct: -2,
      value: null,
    });
    assert.equal(parseThreshold("server_us_per_req<10%").pct, 10);
    assert.equal(parseThreshold("p99_9<=+0.5%").op, "<=");
    assert.equal(parseThreshold("p99<205ms").value, 205_000);
    assert.equal(parseThreshold("p50<0.21s").value, 210_000);
    assert.equal(parseThreshold("p90<201500us").value, 201_500);
    assert.equal(parseThreshold("P99<205MS").value, 205_000, "case does not matter");
    assert.equal(parseThreshold("rps>=1990").value, 1990);
    assert.equal(parseThreshold("rps>1990rps").value, 1990);
    assert.equal(parseThreshold("errors<=0").value, 0);
    assert.equal(parseThreshold("server_us_per_req<30").value, 30, "bare = µs");
    assert.equal(parseThreshold("generator_us_per_req<0.1ms").value, 100);
  });

  test("a list: none = no thresholds, a repeat counts once; bad input is one line naming the problem", () => {
    assert.deepEqual(
      parseThresholds("thresholds", "p99<+5%,rps>-2%,p99<+5%").map((t) => t.text),
      ["p99<+5%", "rps>-2%"],
    );
    assert.deepEqual(parseThresholds("thresholds", "none"), []);
    const bad: [string, RegExp][] = [
      ["", /must not be empty/],
      ["p99<+5%,", /empty item/],
      ["p999<+5%", /unknown metric "p999"/],
      ["p99=+5%", /not <metric><op>/],
      ["p99<fast", /not <metric><op>/],
      ["p99<205", /latency with its unit/],
      ["p99<205km", /latency with its unit/],
      ["rps>-2", /signed limit is a percentage/],
      ["errors<5ms", /a count: a plain number/],
      ["server_us_per_req<3kg", /CPU µs per request/],
    ];
    for (const [text, re] of bad) {
      assert.throws(() => parseThresholds("thresholds", text), InvalidRun, text);
      assert.throws(() => parseThresholds("thresholds", text), re, text);
      assert.throws(
        () => parseThresholds("thresholds", text),
        (e: Error) => !e.message.includes("\n"),
        text,
      );
    }
  });

  test("k6 direction, strict as written: < and > exclude the limit, <= and >= include it", () => {
    const ids: [string, string] = ["A", "B"];
    const at = (t: string, a: number, b: number) => check(parseThreshold(t), a, b, ids);
    assert.equal(at("p99<+5%", 200_000, 209_999).pass, true);
    assert.equal(at("p99<+5%", 200_000, 210_000).pass, false);
    assert.equal(at("p99<=+5%", 200_000, 210_000).pass, true);
    assert.equal(at("p99<+5%", 200_000, 210_000).limit, 210_000);
    assert.equal(at("rps>-2%", 1000, 981).pass, true);
    assert.equal(at("rps>-2%", 1000, 980).pass, false);
    assert.equal(at("rps>=-2%", 1000, 980).pass, true);
    assert.equal(at("errors<+10%", 0, 0).pass, false, "a zero baseline gives a zero limit");
    assert.equal(at("errors<=0", 7, 0).pass, true, "absolute: A does not matter");
    assert.throws(() => check(parseThreshold("generator_us_per_req<+5%"), null, 40, ids), /run A has no/);
    assert.throws(() => check(parseThreshold("generator_us_per_req<50"), 30, null, ids), /run B has no/);
    assert.equal(
      check(parseThreshold("generator_us_per_req<50"), null, 40, ids).pass,
      true,
      "absolute: A may lack it",
    );
  });
});

describe("diffRuns on fixtures", () => {
  const base = { workers: 2, mode: "paced" as const, connections: 200, rps: 200 };
  const a = fixtureRecord({ ...base, at: 0, p99Ms: 200.5, cpuUsPerRequest: 40 });
  const b = fixtureRecord({ ...base, at: 20, p99Ms: 230.5, stubMs: 230, cpuUsPerRequest: 44 });

  test("each row: A, B, B − A and (B − A) / A in percent, base units", () => {
    const d = diffRuns(a, b, []);
    const row = (m: string) => d.rows.find((r) => r.metric === m);
    assert.deepEqual(
      d.rows.map((r) => r.metric),
      ["rps", "p50", "p90", "p99", "p99_9", "errors", "server_us_per_req", "generator_us_per_req"],
    );
    assert.deepEqual(row("p99"), {
      metric: "p99",
      label: "p99",
      kind: "latency",
      a: 200_500,
      b: 230_500,
      delta: 30_000,
      deltaPct: (30_000 / 200_500) * 100,
    });
    assert.equal(row("server_us_per_req")?.delta, 4);
    assert.equal(row("server_us_per_req")?.deltaPct, 10);
    assert.equal(row("rps")?.deltaPct, 0);
    assert.equal(row("errors")?.deltaPct, null, "no percentage of a zero A");
    assert.deepEqual(
      [row("generator_us_per_req")?.a, row("generator_us_per_req")?.delta],
      [null, null],
      "the fixtures predate wrk's CPU per request",
    );
    assert.deepEqual(d.text, [
      { label: "bound", a: "none", b: "none", changed: false },
      { label: "verdict", a: "PASS", b: "PASS", changed: false },
    ]);
    assert.deepEqual(d.shapeDiffers, [], "only the stub differs, which a diff may be about");
    assert.equal(d.regression, false);
  });

  test("thresholds judge B: the slower stub breaks p99<+5%, the same run passes", () => {
    const t = parseThresholds("thresholds", "p99<+5%,rps>-2%,server_us_per_req<+20%");
    const slower = diffRuns(a, b, t);
    assert.equal(slower.regression, true);
    assert.deepEqual(
      slower.thresholds.map((c) => [c.text, c.pass]),
      [
        ["p99<+5%", false],
        ["rps>-2%", true],
        ["server_us_per_req<+20%", true],
      ],
    );
    assert.match(diffText(slower), /REGRESSION {2}p99<\+5%: B 230\.5 ms not < 210\.5 ms \(A \+ 5 %\)/);
    assert.match(diffText(slower), /^p99 \(ms\) +\| 200\.5 +\| 230\.5 +\| \+30\.0 +\| \+15\.0 %$/m);
    assert.equal(diffRuns(a, a, t).regression, false);
  });

  test("a different shape is named in the diff (the deltas would mix it in)", () => {
    const other = fixtureRecord({ ...base, at: 40, p99Ms: 201, workers: 4, connections: 400 });
    const d = diffRuns(a, other, []);
    assert.deepEqual(d.shapeDiffers, ["connections", "targetRps", "workers"]);
    assert.match(
      diffText(d),
      /warning: not the same shape \(connections 200 → 400, targetRps 200 → 400, workers 2 → 4\)/,
    );
  });
});

describe("groups of repeats (make diff A=id,id B=id,id)", () => {
  const runs = (p99s: number[], at: number) =>
    p99s.map((p99Ms, i) =>
      fixtureRecord({ at: at + i, workers: 2, mode: "paced", connections: 20_000, rps: 20_000, p99Ms }),
    );
  const row = (d: ReturnType<typeof diffGroupRuns>, m: string) => d.rows.find((r) => r.metric === m);

  test("a shift larger than the spread is beyond the noise; overlapping groups are within it", () => {
    const a = runs([210, 211, 212, 213, 214], 0);
    const far = diffGroupRuns(a, runs([230, 231, 232, 233, 234], 100), [parseThreshold("p99<+5%")]);
    assert.equal(row(far, "p99")?.says, "beyond the noise");
    assert.ok((row(far, "p99")?.p ?? 1) < 0.05);
    assert.deepEqual(row(far, "p99")?.b, { median: 232_000, min: 230_000, max: 234_000, n: 5 });
    assert.equal(far.regression, true, "p99 +9 % beyond the noise breaks p99<+5%");
    const near = diffGroupRuns(a, runs([209, 212, 215, 211, 216], 100), [parseThreshold("p99<+1%")]);
    assert.equal(row(near, "p99")?.says, "within the noise");
    assert.equal(near.regression, false, "a broken threshold within the noise is not a regression");
    assert.match(groupDiffText(near), /p99 \(ms\) +\| 212\.0 \(210\.0–214\.0\) +\| 212\.0 \(209\.0–216\.0\)/);
  });

  test("too few runs: 2 + 2 can never reach p < 0.05, and says so", () => {
    const d = diffGroupRuns(runs([210, 211], 0), runs([250, 251], 100), []);
    assert.match(row(d, "p99")?.says ?? "", /^too few runs to tell \(2 \+ 2 cannot reach p < 0\.05\)$/);
    assert.equal(minP(2, 2), 2 / 6);
    assert.ok(minP(5, 5) < 0.05);
  });
});
