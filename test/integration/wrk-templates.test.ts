// wrk-templates.test.ts: runs the real wrk with configs/wrk/{report,paced}.lua against a local node:http server.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ProcessPromise } from "zx/core";
import {
  type Bucket,
  histCount,
  mergeHistograms,
  mergeReports,
  parseReport,
  percentile,
  summarize,
  undoCorrection,
  type WrkReport,
  wrkCorrectionIntervalUs,
  wrkRank,
} from "../../scripts/lib/load/histogram.ts";
import { sh } from "../../scripts/lib/processes/shell.ts";

const WRK_DIR = fileURLToPath(new URL("../../configs/wrk/", import.meta.url));
const REPORT_LUA = join(WRK_DIR, "report.lua");
const PACED_LUA = join(WRK_DIR, "paced.lua");
const children = new Set<ProcessPromise>();
const closers: (() => void)[] = [];
let tmp = "";

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "wrk-templates-"));
});
after(async () => {
  for (const c of children) c.child?.kill("SIGKILL");
  for (const close of closers) close();
  await rm(tmp, { recursive: true, force: true });
});

interface Lab {
  url: string;
  arrivals: number[]; // performance.now() ms per request
  perConn: Map<number, number>; // client port -> requests
}

/** Tiny server: the n-th request (1-based) is answered after delayMs(n) ms, or never when null. */
async function startServer(delayMs: (n: number) => number | null = () => 20): Promise<Lab> {
  const lab: Lab = { url: "", arrivals: [], perConn: new Map() };
  const server = createServer((req, res) => {
    lab.arrivals.push(performance.now());
    const port = req.socket.remotePort ?? 0;
    lab.perConn.set(port, (lab.perConn.get(port) ?? 0) + 1);
    const ms = delayMs(lab.arrivals.length);
    if (ms !== null) setTimeout(() => res.end("ok"), ms);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  lab.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return lab;
}

interface WrkRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs wrk (killed after limitMs). Inherited WRK_REPORT* / PACED_* are dropped; env adds the wanted ones. */
async function runWrk(args: string[], env: Record<string, string>, limitMs = 8000): Promise<WrkRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(WRK_REPORT|PACED_)/.test(k)),
  ) as NodeJS.ProcessEnv;
  const $w = sh({ env: { ...base, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const child = $w`exec wrk ${args}`.timeout(limitMs, "SIGKILL");
  children.add(child);
  const o = await child;
  children.delete(child);
  if (o.cause) throw o.cause;
  return { code: o.exitCode, stdout: o.stdout, stderr: o.stderr };
}

async function runReport(lab: Lab, name: string, wrkArgs: string[], env: Record<string, string> = {}) {
  const out = join(tmp, `${name}.json`);
  const script = "PACED_RATE" in env ? PACED_LUA : REPORT_LUA;
  const run = await runWrk([...wrkArgs, "--timeout", "2s", "-s", script, lab.url], {
    WRK_REPORT: out,
    ...env,
  });
  assert.equal(run.code, 0, `wrk failed: ${run.stderr}`);
  return parseReport(await readFile(out, "utf8"));
}

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

test("paced.lua: 200 req/s over 40 connections, spread out, report has paced stats", async () => {
  const lab = await startServer();
  const rate = 200;
  const r = await runReport(lab, "paced", ["-t2", "-c40", "-d3s"], {
    PACED_RATE: `${rate}`,
    PACED_THREADS: "2",
  });
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
