// The run's latency charts from its merged histogram: the percentile spectrum (HdrHistogram style) and the histogram.
import { type Bucket, histCount, percentile } from "../contract/histogram.ts";
import type { ResultRecord } from "../contract/record.ts";
import { int, ms } from "../core/format.ts";
import { type ChartPlan, dataLayer, frame, noChart, refLayers } from "./chart-plan.ts";
import { COLOR } from "./chart-style.ts";

/** The spectrum's x: the "nines" of a percentile, −log10(1 − p/100): 90 → 1, 99 → 2, 99.999 → 5. */
export const nines = (p: number): number => -Math.log10(1 - p / 100);
const MAX_NINES = 5;
const NINES_LABELS = ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"];

/** The spectrum sampled every 0.02 nines from 0 to 99.999 (wrk's percentile rule on the stored histogram). */
export function spectrumPoints(h: Bucket[]): { x: number; ms: number }[] {
  const out: { x: number; ms: number }[] = [];
  for (let i = 0; i <= MAX_NINES * 50; i++) {
    const x = i / 50;
    // NOTE: 100 × (1 − 10^−2) is 99.00000000000001 in doubles: rounded, so x = 2 is exactly wrk's p99.
    const p = Number((100 * (1 - 10 ** -x)).toPrecision(12));
    out.push({ x, ms: percentile(h, p) / 1000 });
  }
  return out;
}

const NO_LATENCY = "no latency samples: wrk completed no request in this run";
const sloLabel = (r: ResultRecord): string =>
  `SLO: p${r.slo.percentile} ≤ ${r.slo.stubMs + r.slo.overheadBudgetMs} ms`;

export function spectrumChart(r: ResultRecord): ChartPlan {
  const title = "Latency by percentile";
  const caption =
    "HdrHistogram-style percentile spectrum of the whole measured run: x is the percentile on a log 'nines' axis (each step adds a 9), y the latency. " +
    "Dots: the record's exact percentiles. Latency is per run, not per second (docs/report.md).";
  const m = r.measurements;
  if (histCount(m.histogram) === 0) return noChart("spectrum", title, NO_LATENCY, caption);
  const l = m.latencyUs;
  const exact = (
    [
      ["p50", 50, l.p50],
      ["p90", 90, l.p90],
      ["p99", 99, l.p99],
      ["p99.9", 99.9, l.p99_9],
    ] as const
  ).map(([name, p, us]) => ({ x: nines(p), ms: us / 1000, label: `${name} ${ms(us)} ms` }));
  const x = {
    field: "x",
    type: "quantitative" as const,
    title: "percentile",
    scale: { domain: [0, MAX_NINES] },
    axis: { values: [0, 1, 2, 3, 4, 5], labelExpr: `${JSON.stringify(NINES_LABELS)}[datum.value]` },
  };
  const y = { field: "ms", type: "quantitative" as const, title: "latency (ms)", scale: { zero: false } };
  const limit = r.slo.stubMs + r.slo.overheadBudgetMs;
  const refs = [
    { at: limit, label: sloLabel(r), color: COLOR.slo },
    {
      at: nines(r.slo.percentile),
      label: `p${r.slo.percentile} (judged)`,
      color: COLOR.reference,
      axis: "x" as const,
    },
  ];
  const sub = `${int(histCount(m.histogram))} latencies · p50 ${ms(l.p50)} · p99 ${ms(l.p99)} · max ${ms(l.max)} ms`;
  const spec = frame(title, sub, [
    {
      name: dataLayer("spectrum"),
      data: { values: spectrumPoints(m.histogram) },
      mark: { type: "line", interpolate: "step-after", color: COLOR.first },
      encoding: { x, y },
    },
    {
      name: dataLayer("percentiles"),
      data: { values: exact },
      mark: { type: "point", filled: true, size: 45, color: COLOR.first },
      encoding: { x, y },
    },
    {
      data: { values: exact },
      mark: { type: "text", align: "left", baseline: "top", dx: 7, dy: 5, fontSize: 10.5, color: "#333333" },
      encoding: { x, y, text: { field: "label" } },
    },
    ...refLayers(refs, { x: "x", y: "ms" }),
  ]);
  return { id: "spectrum", title, caption, spec };
}

const BINS = 60;

/** Equal bins from `lo` to `hi` µs, each a whole number of the stored histogram's steps (4 digits) wide. */
export function latencyBins(
  h: Bucket[],
  loUs: number,
  hiUs: number,
): { from: number; to: number; n: number }[] {
  const step = hiUs <= 0 ? 1 : 10 ** Math.max(0, Math.floor(Math.log10(hiUs)) - 3);
  const width = Math.max(step, Math.ceil((hiUs - loUs) / BINS / step) * step);
  const counts = new Map<number, number>();
  for (const [v, c] of h) {
    if (v < loUs || v > hiUs) continue;
    const i = Math.floor((v - loUs) / width);
    counts.set(i, (counts.get(i) ?? 0) + c);
  }
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, n]) => ({ from: (loUs + i * width) / 1000, to: (loUs + (i + 1) * width) / 1000, n }));
}

export function histogramChart(r: ResultRecord): ChartPlan {
  const title = "Latency histogram";
  const caption =
    "How many requests took how long (the merged histogram of every wrk shard, stored at 4 significant digits).";
  const h = r.measurements.histogram;
  if (histCount(h) === 0) return noChart("histogram", title, NO_LATENCY, caption);
  const lo = h[0]?.[0] ?? 0;
  const top = h[h.length - 1]?.[0] ?? 0;
  const hi = Math.max(lo + 1000, Math.min(top, r.measurements.latencyUs.p99_9));
  const beyond = h.filter(([v]) => v > hi).reduce((a, [, c]) => a + c, 0);
  const sub =
    beyond > 0
      ? `x ends at p99.9 (${ms(hi)} ms): the ${int(beyond)} slower requests, up to ${ms(top)} ms, are in the spectrum above`
      : `every request, ${ms(lo)} to ${ms(top)} ms`;
  const x = { field: "from", type: "quantitative" as const, title: "latency (ms)", scale: { zero: false } };
  const refs = [
    { at: r.slo.stubMs, label: `stub ${r.slo.stubMs} ms`, color: COLOR.reference, axis: "x" as const },
    { at: r.slo.stubMs + r.slo.overheadBudgetMs, label: sloLabel(r), color: COLOR.slo, axis: "x" as const },
  ];
  const spec = frame(title, sub, [
    {
      name: dataLayer("histogram"),
      data: { values: latencyBins(h, lo, hi) },
      mark: { type: "rect", color: COLOR.first, stroke: "#ffffff", strokeWidth: 0.5 },
      encoding: {
        x,
        x2: { field: "to" },
        y: { field: "n", type: "quantitative", title: "requests" },
        y2: { datum: 0 },
      },
    },
    ...refLayers(refs, { x: "from" }),
  ]);
  return { id: "histogram", title, caption, spec };
}
