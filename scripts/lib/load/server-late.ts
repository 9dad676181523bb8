// The server's own histograms over the measured phase (lateness past the stub, wait before the handler), from two
// readings of their sums across workers.
import { addLate, LATE_BUCKET_US, LATE_BUCKETS, type LateBuckets } from "../../../server/late.ts";
import type { ServerBucketsUs } from "../contract/lateness.ts";
import type { LabStats } from "../processes/lab-stats.ts";

/** The server's own lateness; null when the server does not report it (the peers) or answered nothing between. */
export function serverLateness(before: LabStats, after: LabStats): ServerBucketsUs | null {
  return bucketsDelta(before.stubLate, after.stubLate, after.stubLateBucketUs ?? LATE_BUCKET_US);
}

/** The wait before the handler; null when no request between the readings carried wrk's stamp. */
export function beforeHandler(before: LabStats, after: LabStats): ServerBucketsUs | null {
  return bucketsDelta(before.beforeHandler, after.beforeHandler, after.stubLateBucketUs ?? LATE_BUCKET_US);
}

function bucketsDelta(
  before: LateBuckets | undefined,
  after: LateBuckets | undefined,
  width: number,
): ServerBucketsUs | null {
  if (!before || !after) return null;
  const delta = addLate(after, before, -1);
  const count = delta.reduce((a, [, c]) => a + c, 0);
  if (count <= 0) return null;
  const at = (q: number): number => upperBound(delta, count * q, width);
  const last = delta[delta.length - 1]?.[0] ?? 0;
  return {
    count,
    p50: at(0.5),
    p99: at(0.99),
    p99_9: at(0.999),
    max: (last + 1) * width,
    beyondUs: LATE_BUCKETS * width,
    beyond: delta.filter(([i]) => i >= LATE_BUCKETS - 1).reduce((a, [, c]) => a + c, 0),
  };
}

// NOTE: a bucket's upper bound: "p99 ≤ 0.4 ms" errs by at most one bucket width, never below the truth.
function upperBound(delta: LateBuckets, rank: number, width: number): number {
  let seen = 0;
  for (const [i, c] of delta) {
    seen += c;
    if (seen >= rank) return (i + 1) * width;
  }
  return ((delta[delta.length - 1]?.[0] ?? 0) + 1) * width;
}
