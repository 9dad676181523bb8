// The real wrk with configs/wrk/{report,paced}.lua against a local node:http server: exports, pacing, ranks, shards.
// NOTE: Debian's wrk (on PATH) for the exports, ranks and shards; the paced template with both it and the lab's build.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import {
  histCount,
  summarize,
  undoCorrection,
  wrkCorrectionIntervalUs,
} from "../../scripts/lib/contract/histogram.ts";
import { wrkRank } from "../../scripts/lib/contract/wrk-rank.ts";
import { LAB_WRK } from "../../scripts/lib/processes/generator-build.ts";
import { mergeReports, parseReport, type WrkReport } from "../../scripts/lib/processes/wrk-report.ts";
import { PACED_LUA, REPORT_LUA, runReport, runWrk, startServer, tmp } from "../helpers/wrk-lab.ts";

function assertMatchesWrk(r: WrkReport) {
  const s = summarize(r.histogram);
  assert.deepEqual(
    { "50": s.p50, "90": s.p90, "99": s.p99, "99.9": s.p99_9 },
    r.wrk_percentiles,
    "summarize() percentiles vs wrk latency:percentile()",
  );
  assert.equal(s.count, r.latency.count);
  if (s.count > 0) assert.deepEqual([s.min, s.max], [r.latency.min, r.latency.max]);
  assert.ok(Math.abs(s.mean - r.latency.mean) <= 1e-9 * s.mean, `mean ${s.mean} vs ${r.latency.mean}`);
  assert.ok(
    Math.abs(s.stdev - r.latency.stdev) <= 1e-6 * (s.stdev + 1),
    `stdev ${s.stdev} vs ${r.latency.stdev}`,
  );
}

test("wrkRank replays wrk's long-double stats_percentile rank (live wrk, crafted stats)", async () => {
  const lab = await startServer();
  const ns = [
    ...Array.from({ length: 300 }, (_, i) => i + 1),
    999,
    1000,
    1001,
    9999,
    10000,
    10001,
    12345,
    99999,
  ];
  const ps = [0, 0.1, 1, 12.5, 25, 33.3, 50, 66.7, 75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100];
  // NOTE: in done() the stats are ours to scribble on: data[1..n] = 1, so percentile(p) returns the rank itself.
  const lua = `local ffi = require("ffi")
ffi.cdef("typedef struct { uint64_t count, limit, min, max; uint64_t data[]; } rank_stats;")
function done(summary, latency)
  local s, out, filled = ffi.cast("rank_stats**", latency)[0], {}, 0
  ffi.fill(s.data, 8 * (tonumber(s.max) + 1))
  for _, n in ipairs({${ns.join(",")}}) do
    for i = filled + 1, n do s.data[i] = 1 end
    filled, s.count, s.min, s.max = n, n, 1, n
    for _, p in ipairs({${ps.join(",")}}) do out[#out + 1] = string.format("%.0f", latency:percentile(p)) end
  end
  print("RANKS [" .. table.concat(out, ",") .. "]")
end`;
  const script = join(tmp, "ranks.lua");
  await writeFile(script, lua);
  const run = await runWrk(["-t1", "-c1", "-d1s", "--timeout", "2s", "-s", script, lab.url], {});
  assert.equal(run.code, 0, run.stderr);
  const line = run.stdout.split("\n").find((l) => l.startsWith("RANKS "));
  const got = JSON.parse(line?.slice(6) ?? "null") as number[];
  let i = 0;
  let naiveMismatches = 0;
  for (const n of ns) {
    for (const p of ps) {
      const rank = wrkRank(p, n);
      assert.equal(got[i++], rank > n ? 0 : rank, `n=${n} p=${p}`);
      if (Math.round((p / 100) * n + 0.5) !== rank) naiveMismatches++;
    }
  }
  assert.ok(naiveMismatches > 0, "expected plain double arithmetic to disagree with wrk somewhere");
});

test("report.lua: ffi export == latency(i), counts reconcile with server and timeouts", async () => {
  // Mostly 20 ms, every 10th 150 ms (triggers wrk's coordinated-omission correction), #2 and #5 time out.
  const lab = await startServer((n) => (n === 2 || n === 5 ? 2100 : n % 10 === 0 ? 150 : 20));
  const conns = 20;
  const r = await runReport(lab, "closed", ["-t2", `-c${conns}`, "-d3s"], { WRK_REPORT_EXPORT: "both" });
  const { requests, duration_us, errors } = r.summary;
  assert.equal(r.export, "ffi");
  assert.equal(r.paced, null);
  assert.deepEqual(r.histogram, r.histogram_latency_i, "ffi walk vs latency(i), bucket for bucket");
  assert.equal(errors.timeout, 2, "responses slower than --timeout are counted, not recorded");
  assert.ok(r.co_synthetic > 0, "wrk's stats_correct should have added samples");
  assert.equal(histCount(r.histogram), requests - errors.timeout + r.co_synthetic);
  const raw = undoCorrection(r.histogram, wrkCorrectionIntervalUs(duration_us, requests, conns));
  assert.equal(histCount(raw), requests - errors.timeout, "raw histogram = recorded responses");
  const inFlight = lab.arrivals.length - requests;
  assert.ok(inFlight >= 0 && inFlight <= conns, `server saw ${lab.arrivals.length}, wrk ${requests}`);
  assertMatchesWrk(r);
});

test("report.lua: empty run prints JSON to stdout with min 0", async () => {
  const lab = await startServer(() => null);
  const run = await runWrk(["-t1", "-c2", "-d1s", "--timeout", "2s", "-s", REPORT_LUA, lab.url], {});
  assert.equal(run.code, 0, run.stderr);
  const r = parseReport(run.stdout.split("\n").find((l) => l.startsWith('{"schema"')) ?? "");
  assert.deepEqual([r.summary.requests, r.latency.count, r.latency.min, r.latency.max], [0, 0, 0, 0]);
  assert.deepEqual(r.histogram, []);
  assert.deepEqual(r.wrk_percentiles, { "50": 0, "90": 0, "99": 0, "99.9": 0 });
});

for (const [build, bin] of [
  ["Debian's wrk", "wrk"],
  ["the lab's wrk", LAB_WRK],
] as const)
  test(`paced.lua on ${build}: 200 req/s over 40 connections, spread out, report has paced stats`, async () => {
    const lab = await startServer();
    const rate = 200;
    const env = { PACED_RATE: `${rate}`, PACED_THREADS: "2" };
    const r = await runReport(
      lab,
      `paced-${bin === "wrk" ? "debian" : "lab"}`,
      ["-t2", "-c40", "-d3s"],
      env,
      bin,
    );
    const t = lab.arrivals;
    const t0 = t[0] ?? 0;
    const steady = t.filter((x) => x >= t0 + 500 && x < t0 + 2500).length / 2;
    assert.ok(Math.abs(steady - rate) <= rate * 0.03, `steady rate ${steady}/s`);
    const bins = new Array<number>(Math.floor(((t[t.length - 1] ?? 0) - t0) / 100)).fill(0);
    for (const x of t) {
      const i = Math.floor((x - t0) / 100);
      if (i < bins.length) bins[i] = (bins[i] ?? 0) + 1;
    }
    assert.ok(Math.max(...bins) <= 3 * (rate / 10), `100 ms bins not lockstep-free: ${bins.join(",")}`);
    const perConn = [...lab.perConn.values()];
    const mean = t.length / 40;
    assert.equal(perConn.length, 40, "every connection used");
    assert.ok(
      perConn.every((n) => n >= mean * 0.5 && n <= mean * 1.5),
      `per connection: ${perConn.join(",")}`,
    );
    assert.equal(r.paced?.rate, rate);
    assert.equal(r.paced?.threads, 2);
    assert.ok((r.paced?.late ?? 1) <= r.summary.requests * 0.01, `late ${r.paced?.late}`);
    assert.equal(r.co_synthetic, 0);
    assert.equal(histCount(r.histogram), r.summary.requests - r.summary.errors.timeout);
    assertMatchesWrk(r);
    // NOTE: the lab's build times each paced request from its slot and exports the send lateness of every one
    const lab_ = bin !== "wrk";
    assert.equal(r.latency_from ?? "write", lab_ ? "schedule" : "write");
    // NOTE: lateness is taken at the write, latency at the answer: the requests in flight at the end have only the first
    const sent = r.lateness?.count ?? -1;
    const answered = histCount(r.histogram);
    if (lab_) assert.ok(sent >= answered && sent <= answered + 40, `lateness ${sent}, latency ${answered}`);
    else assert.equal(r.lateness ?? null, null);
  });

test("paced.lua: missing or bad PACED_RATE / PACED_THREADS makes wrk fail", async () => {
  const lab = await startServer();
  const cases: [Record<string, string>, RegExp][] = [
    [{ PACED_THREADS: "1" }, /PACED_RATE/],
    [{ PACED_RATE: "abc", PACED_THREADS: "1" }, /PACED_RATE/],
    [{ PACED_RATE: "0", PACED_THREADS: "1" }, /PACED_RATE/],
    [{ PACED_RATE: "100" }, /PACED_THREADS/],
  ];
  for (const [env, re] of cases) {
    const run = await runWrk(["-t1", "-c2", "-d1s", "-s", PACED_LUA, lab.url], env, 4000);
    assert.notEqual(run.code, 0, JSON.stringify(env));
    assert.match(run.stderr, re);
  }
});

test("two parallel wrk shards merge exactly", async () => {
  const lab = await startServer();
  const args = ["-t1", "-c10", "-d2s"];
  const [a, b] = await Promise.all([
    runReport(lab, "shard-a", args),
    runReport(lab, "shard-b", args, { WRK_REPORT_EXPORT: "latency_i" }),
  ]);
  assert.deepEqual([a.export, b.export], ["ffi", "latency(i)"]);
  const m = mergeReports([a, b]);
  assert.equal(m.latency.count, a.latency.count + b.latency.count);
  assert.equal(m.requests, a.summary.requests + b.summary.requests);
  const inFlight = lab.arrivals.length - m.requests;
  assert.ok(inFlight >= 0 && inFlight <= 20, `server saw ${lab.arrivals.length}, wrk ${m.requests}`);
  const all = Float64Array.from(
    [...a.histogram, ...b.histogram].flatMap(([v, c]) => new Array<number>(c).fill(v)),
  );
  all.sort();
  const n = all.length;
  const at = (p: number) => all[Math.min(wrkRank(p, n), n) - 1];
  assert.deepEqual(
    [m.latency.p50, m.latency.p90, m.latency.p99, m.latency.p99_9, m.latency.min, m.latency.max],
    [at(50), at(90), at(99), at(99.9), all[0], all[n - 1]],
  );
  assertMatchesWrk(a);
  assertMatchesWrk(b);
});
