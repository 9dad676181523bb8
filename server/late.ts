// Fixed-width µs histograms measured in the worker (lateness past the stub, wait before the handler), summed exactly.

/** NOTE: 100 µs buckets up to 100 ms; the last bucket holds everything later (a worker that late is broken anyway). */
export const LATE_BUCKET_US = 100;
export const LATE_BUCKETS = 1000;

/** Sparse [bucket index, count] pairs, index ascending: what a worker reports and the primary sums. */
export type LateBuckets = [number, number][];

export class LateHistogram {
  private readonly counts = new Float64Array(LATE_BUCKETS);

  /** lateUs: e.g. from the stub's due time (handler start + stub) to the answer written. */
  record(lateUs: number): void {
    const i = Math.min(LATE_BUCKETS - 1, Math.max(0, Math.floor(lateUs / LATE_BUCKET_US)));
    this.counts[i] = (this.counts[i] ?? 0) + 1;
  }

  sparse(): LateBuckets {
    const out: LateBuckets = [];
    this.counts.forEach((c, i) => {
      if (c > 0) out.push([i, c]);
    });
    return out;
  }
}

/** The exact sum of sparse histograms (across workers), or a − b (two readings of the same server). */
export function addLate(a: LateBuckets, b: LateBuckets, sign = 1): LateBuckets {
  const m = new Map(a);
  for (const [i, c] of b) m.set(i, (m.get(i) ?? 0) + sign * c);
  return [...m].filter(([, c]) => c !== 0).sort((x, y) => x[0] - y[0]);
}

/** Every worker's histogram summed exactly; undefined unless every worker reported one (a peer server does not). */
export function sumLate(perWorker: (LateBuckets | undefined)[]): LateBuckets | undefined {
  if (!perWorker.every((l) => l !== undefined)) return undefined;
  return perWorker.reduce<LateBuckets>((a, l) => addLate(a, l), []);
}
