// A run's merged latency histogram as HdrHistogram's percentile distribution (.hgrm), the text wrk2 -L prints.
import { type Bucket, bucketWidth, histCount, summarize } from "../contract/histogram.ts";

/** One line of the distribution: the bucket's highest value, the percentile tick (0–100) and the count up to it. */
export interface HgrmRow {
  valueUs: number;
  percentile: number;
  totalCount: number;
}

/** wrk2's call: hdr_percentiles_print(h, stdout, 5, 1000.0, CLASSIC) — 5 ticks per half distance, µs → ms. */
const TICKS_PER_HALF_DISTANCE = 5;
const VALUE_SCALE = 1000;
/** the significant digits result.json keeps (reduceHistogram's default) */
const DIGITS = 4;

// NOTE: HdrHistogram reports a bucket by its highest equivalent value; the lab's buckets are keyed by their
// lower bound at 4 significant digits (100 µs wide at 200 ms), so the highest value is key + width − 1.
const highest = (keyUs: number): number => keyUs + bucketWidth(keyUs, DIGITS) - 1;

/**
 * hdr_percentile_iter (HdrHistogram_c, as in wrk2) over the lab's buckets: a tick at 0 %, 10 %, … whose step
 * halves each time the distance to 100 % halves; a bucket may carry several ticks, the last bucket one, then 100 %.
 */
export function percentileRows(h: Bucket[], ticks = TICKS_PER_HALF_DISTANCE): HgrmRow[] {
  const total = histCount(h);
  const rows: HgrmRow[] = [];
  let to = 0;
  let cum = 0;
  let last = 0;
  for (const [v, c] of h) {
    if (c === 0) continue;
    cum += c;
    last = highest(v);
    const current = (100 * cum) / total;
    while (to <= current) {
      rows.push({ valueUs: last, percentile: to, totalCount: cum });
      const halfDistance = 2 ** (Math.trunc(Math.log(100 / (100 - to)) / Math.log(2)) + 1);
      to += 100 / (ticks * halfDistance);
      if (cum === total) break;
    }
  }
  rows.push({ valueUs: last, percentile: 100, totalCount: total });
  return rows;
}

const col = (text: string): string => text.padStart(12);
/** printf's "%12f" family; C prints 1/(1-1) as "inf" */
const fixed = (x: number, decimals: number): string => col(Number.isFinite(x) ? x.toFixed(decimals) : "inf");

/**
 * The .hgrm text, byte for byte the layout of HdrHistogram_c's CLASSIC format as wrk2 prints it: value in ms
 * ("%12.3f"), percentile as a fraction ("%12f"), count ("%12d"), 1/(1−percentile) ("%12.2f"), then the footer.
 * NOTE: Mean and StdDeviation are over each bucket's lower bound + half its width (HdrHistogram's median
 * equivalent value); the deviation divides by n − 1 as wrk's does (summarize), HdrHistogram's by n — the same
 * printed digits for any real run. Max is the top bucket's lower bound, as hdr_max reports it. Buckets / SubBuckets
 * describe the lab's decimal buckets: decades up to the max, and 10^4 sub-buckets per decade (4 digits).
 */
export function hgrmText(h: Bucket[]): string {
  const lines = [`${col("Value")} ${col("Percentile")} ${col("TotalCount")} ${col("1/(1-Percentile)")}`, ""];
  for (const r of percentileRows(h)) {
    const p = r.percentile / 100;
    lines.push(
      `${fixed(r.valueUs / VALUE_SCALE, 3)} ${fixed(p, 6)} ${col(String(r.totalCount))} ${fixed(1 / (1 - p), 2)}`,
    );
  }
  const mid = summarize(h.map(([v, c]): Bucket => [v + Math.floor(bucketWidth(v, DIGITS) / 2), c]));
  let maxKey = 0;
  for (const [v, c] of h) if (c > 0) maxKey = v;
  const decades = maxKey > 0 ? Math.floor(Math.log10(maxKey)) + 1 : 1;
  const ms = (us: number): string => fixed(us / VALUE_SCALE, 3);
  lines.push(
    `#[Mean    = ${ms(mid.mean)}, StdDeviation   = ${ms(mid.stdev)}]`,
    `#[Max     = ${ms(maxKey)}, Total count    = ${col(String(histCount(h)))}]`,
    `#[Buckets = ${col(String(decades))}, SubBuckets     = ${col(String(10 ** DIGITS))}]`,
  );
  return `${lines.join("\n")}\n`;
}
