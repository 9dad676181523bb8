// The server's own histograms (lateness, wait before the handler): exact sums, deltas, the p99 parts they name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dominantPart, latencyWithParts, namedPct, p99Parts } from "../../scripts/lib/contract/p99-parts.ts";
import type { Measurements } from "../../scripts/lib/contract/record.ts";
import { beforeHandler, serverLateness } from "../../scripts/lib/load/server-late.ts";
import type { LabStats } from "../../scripts/lib/processes/lab-stats.ts";
import { addLate, LATE_BUCKETS, LateHistogram } from "../../server/late.ts";
import { waitSinceStamp } from "../../server/stamps.ts";
import { sumWorkers, type WorkerStats } from "../../server/stats.ts";

const worker = (id: number, lateUs: number[]): WorkerStats => {
  const h = new LateHistogram();
  for (const us of lateUs) h.record(us);
  return {
    id,
    pid: id,
    requests: lateUs.length,
    responses: { "200": lateUs.length },
    aborted: 0,
    inFlight: 0,
    peakInFlight: 0,
    openConnections: 0,
    peakOpenConnections: 0,
    stubLate: h.sparse(),
  };
};
const base = {
  primaryPid: 1,
  nativeUws: true,
  stubMs: 200,
  uptimeS: 1,
  restarts: 0,
  selfConnection: 1 as const,
  peakOpenConnections: 0,
};
const sum = (...ws: WorkerStats[]): LabStats => sumWorkers(ws, base);

test("a worker's histogram: 100 µs buckets, early answers in the first, very late ones in the last", () => {
  const h = new LateHistogram();
  for (const us of [-5, 0, 99, 100, 250, 250, 5e6]) h.record(us);
  assert.deepEqual(h.sparse(), [
    [0, 3],
    [1, 1],
    [2, 2],
    [LATE_BUCKETS - 1, 1],
  ]);
  assert.deepEqual(
    addLate(
      [
        [0, 3],
        [2, 2],
      ],
      [[0, 3]],
      -1,
    ),
    [[2, 2]],
  );
});

test("summed exactly across workers, then percentiles of the answers between two readings (bucket upper bounds)", () => {
  const before = sum(worker(1, [50, 50]), worker(2, [5e6]));
  // 100 answers since: 98 within 0.1 ms, one 2.05 ms late, one beyond the histogram
  const w1 = worker(1, [50, 50, ...Array<number>(60).fill(20), 2050]);
  const w2 = worker(2, [5e6, ...Array<number>(38).fill(80), 7e6]);
  const l = serverLateness(before, sum(w1, w2));
  assert.deepEqual(l, {
    count: 100,
    p50: 100,
    p99: 2100,
    p99_9: LATE_BUCKETS * 100,
    max: LATE_BUCKETS * 100,
    beyondUs: LATE_BUCKETS * 100,
    beyond: 1,
  });
  // a server that does not report it (a comparison peer), or nothing answered: null, never zeros
  const peer = { ...before, stubLate: undefined };
  assert.equal(serverLateness(peer, peer), null);
  assert.equal(serverLateness(before, before), null);
});

test("the wait before the handler: summed across workers like the lateness; null when no request was stamped", () => {
  const stamped = (id: number, waitUs: number[]): WorkerStats => {
    const h = new LateHistogram();
    for (const us of waitUs) h.record(us);
    return { ...worker(id, []), beforeHandler: h.sparse() };
  };
  const before = sum(stamped(1, []), stamped(2, [30]));
  const after = sum(stamped(1, Array<number>(99).fill(40)), stamped(2, [30, 4200]));
  assert.deepEqual(beforeHandler(before, after), {
    count: 100,
    p50: 100,
    p99: 100,
    p99_9: 4300,
    max: 4300,
    beyondUs: LATE_BUCKETS * 100,
    beyond: 0,
  });
  assert.equal(beforeHandler(before, before), null, "nothing stamped between the readings");
  assert.equal(
    beforeHandler(sum(worker(1, [1])), sum(worker(1, [1]))),
    null,
    "a server without the histogram",
  );
});

test("the stamp read against the server's clock: unstamped or garbage → null, a stamp from the future → 0", () => {
  const now = Number(process.hrtime.bigint() / 1000n);
  const w = waitSinceStamp(String(now - 5000));
  // NOTE: the clocks' offset is read once, to a few µs (server/stamps.ts); the histogram's buckets are 100 µs wide
  assert.ok(w !== null && w >= 4900 && w < 1_000_000, `a 5 ms old stamp read as ${w} µs`);
  assert.equal(waitSinceStamp(""), null);
  assert.equal(waitSinceStamp("12ab"), null);
  assert.equal(waitSinceStamp(String(now + 1e9)), 0);
});

test("the p99 parts: in a request's order, their p99s as a share of the over-stub p99, the largest named", () => {
  const part = (p99: number) => ({ count: 1, p50: 0, p90: 0, p99, p99_9: 0, max: 0, beyondUs: 0, beyond: 0 });
  const m = {
    overStubUs: { p50: 0, p99: 10_000 },
    sendLatenessUs: part(2000),
    beforeHandlerUs: part(5000),
    serverLateUs: part(1500),
    readLatenessUs: part(1000),
  } as unknown as Measurements;
  assert.deepEqual(
    p99Parts(m).map((p) => [p.key, p.p99Us]),
    [
      ["send", 2000],
      ["beforeHandler", 5000],
      ["serverOwn", 1500],
      ["read", 1000],
    ],
  );
  assert.equal(namedPct(m), 95);
  assert.equal(dominantPart(m)?.key, "beforeHandler");
  const failed = {
    pass: false,
    reasons: [{ rule: "latency" as const, detail: "p99 230,000 µs > 220,000 µs" }],
  };
  assert.equal(
    latencyWithParts(failed, m),
    failed,
    "the largest part is the server's: the reason is left alone",
  );
  const wrkLate = { ...m, readLatenessUs: part(6000) } as Measurements;
  assert.match(
    latencyWithParts(failed, wrkLate).reasons[0]?.detail ?? "",
    /^p99 230,000 µs > 220,000 µs — at p99 the largest part is wrk's own \(wrk's send lateness 2\.0 ms, wrk's read lateness 6\.0 ms; the server's: wait before the handler 5\.0 ms, the server's own lateness 1\.5 ms\)$/,
  );
  const bare = { overStubUs: { p50: 0, p99: -300 }, serverLateUs: null } as unknown as Measurements;
  assert.deepEqual(p99Parts(bare), []);
  assert.equal(namedPct(bare), null, "nothing measured, and no p99 over the stub");
  assert.equal(dominantPart(bare), null);
});
