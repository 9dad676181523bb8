// The exact histogram arithmetic: merge, wrk's percentile rank, summaries, undoing wrk's correction, shard merge.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Bucket,
  histCount,
  mergeHistograms,
  percentile,
  summarize,
  undoCorrection,
  wrkCorrectionIntervalUs,
} from "../../scripts/lib/contract/histogram.ts";
import { wrkRank } from "../../scripts/lib/contract/wrk-rank.ts";
import { mergeReports, parseReport, type WrkReport } from "../../scripts/lib/processes/wrk-report.ts";

/** Port of wrk's stats_correct on a dense array, to check undoCorrection. */
function applyCorrection(h: Bucket[], e: number): Bucket[] {
  const max = h[h.length - 1]?.[0] ?? 0;
  const data = new Array<number>(max + 1).fill(0);
  for (const [v, c] of h) data[v] = c;
  for (let n = e * 2; n <= max; n++) {
    const count = data[n] ?? 0;
    for (let m = n - e; count && m > e; m -= e) data[m] = (data[m] ?? 0) + count;
  }
  return data.flatMap((c, v): Bucket[] => (c ? [[v, c]] : []));
}

test("mergeHistograms / percentile / summarize on hand-made buckets", () => {
  const a: Bucket[] = [
    [10, 2],
    [30, 1],
  ];
  const b: Bucket[] = [
    [5, 1],
    [10, 3],
    [40, 4],
  ];
  assert.deepEqual(mergeHistograms([a, b, []]), [
    [5, 1],
    [10, 5],
    [30, 1],
    [40, 4],
  ]);
  assert.deepEqual(mergeHistograms([]), []);
  const h = mergeHistograms([a, b]); // 11 samples: 5, 10x5, 30, 40x4
  for (const p of [0, 1, 9, 10, 50, 54, 55, 60, 66, 90, 99, 99.9, 100]) {
    const rank = Math.min(wrkRank(p, 11), 11);
    const sorted = h.flatMap(([v, c]) => new Array<number>(c).fill(v));
    assert.equal(percentile(h, p), sorted[rank - 1], `p${p}`);
  }
  assert.equal(percentile([], 50), 0);
  assert.equal(percentile([[7, 1]], 100), 7, "p100 clamps to max (wrk itself returns 0)");
  assert.equal(wrkRank(100, 11), 12);
  assert.equal(wrkRank(0, 11), 1);
  assert.equal(wrkRank(50, 0), 1);
  const s = summarize(h);
  const mean = (5 + 50 + 30 + 160) / 11;
  const sq = (5 - mean) ** 2 + 5 * (10 - mean) ** 2 + (30 - mean) ** 2 + 4 * (40 - mean) ** 2;
  assert.deepEqual([s.count, s.min, s.max], [11, 5, 40]);
  assert.ok(Math.abs(s.mean - mean) < 1e-12 && Math.abs(s.stdev - Math.sqrt(sq / 10)) < 1e-12);
  assert.deepEqual(summarize([]), {
    count: 0,
    min: 0,
    max: 0,
    mean: 0,
    stdev: 0,
    p50: 0,
    p90: 0,
    p99: 0,
    p99_9: 0,
  });
  assert.throws(() => wrkRank(101, 5));
});

test("undoCorrection inverts a port of wrk's stats_correct", () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let trial = 0; trial < 30; trial++) {
    const e = 5 + rnd(40);
    const raw = mergeHistograms([
      Array.from({ length: 1 + rnd(60) }, (): Bucket => [1 + rnd(400), 1 + rnd(5)]),
    ]);
    const corrected = applyCorrection(raw, e);
    assert.ok(histCount(corrected) >= histCount(raw));
    assert.deepEqual(undoCorrection(corrected, e), raw, `trial ${trial} e=${e}`);
  }
  assert.equal(wrkCorrectionIntervalUs(3_000_000, 100, 40), 1_500_000);
  assert.equal(wrkCorrectionIntervalUs(3_000_000, 39, 40), 0);
});

test("mergeReports sums shards, maxes duration and max_late, rejects mixed pacing", () => {
  const rep = (dur: number, h: Bucket[], paced: WrkReport["paced"]): WrkReport => ({
    schema: "wrk-report/1",
    summary: {
      duration_us: dur,
      requests: histCount(h) + 1,
      bytes: 10,
      errors: { connect: 1, read: 0, write: 0, status: 2, timeout: 1 },
    },
    latency: { count: histCount(h), min: 0, max: 0, mean: 0, stdev: 0 },
    co_synthetic: 0,
    wrk_percentiles: {},
    export: "ffi",
    histogram: h,
    paced,
  });
  const a = rep(100, [[3, 2]], { rate: 10, threads: 2, late: 1, max_late_us: 5000 });
  const b = rep(120, [[4, 1]], { rate: 15, threads: 1, late: 2, max_late_us: 2000 });
  const m = mergeReports([a, b]);
  assert.deepEqual(
    [m.requests, m.bytes, m.durationUs, m.errors.status, m.errors.timeout],
    [5, 20, 120, 4, 2],
  );
  assert.deepEqual(m.paced, { rate: 25, threads: 3, late: 3, max_late_us: 5000 });
  assert.deepEqual(m.histogram, [
    [3, 2],
    [4, 1],
  ]);
  assert.equal(mergeReports([{ ...a, paced: null }]).paced, null);
  assert.throws(() => mergeReports([a, { ...b, paced: null }]), /mixing/);
  assert.throws(() => parseReport('{"schema":"wrk-report/1","summary":'), /truncated/);
  assert.throws(() => parseReport(JSON.stringify({ ...a, histogram: [[3, 1]] })), /latency.count/);
});
