// The µs histograms a record summarises beside its latency: wrk's send and read lateness, the server's own.

/** A lateness wrk kept (µs), every shard merged exactly. */
export interface WrkLatenessUs {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
}

/** A histogram the server kept (µs, upper bounds of 100 µs buckets); `beyond` values were ≥ beyondUs. */
export interface ServerBucketsUs {
  count: number;
  p50: number;
  p99: number;
  p99_9: number;
  max: number;
  beyondUs: number;
  beyond: number;
}
