// The server's own lateness: a worker's histogram, the exact sum across workers, and the delta between two readings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { serverLateness } from "../../scripts/lib/load/server-late.ts";
import type { LabStats } from "../../scripts/lib/processes/lab-stats.ts";
import { addLate, LATE_BUCKETS, LateHistogram } from "../../server/late.ts";
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
