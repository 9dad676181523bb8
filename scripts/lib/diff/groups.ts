// Two groups of repeats side by side: each metric's median (min–max), and whether B differs from A beyond the noise.
import { permutationTest } from "simple-statistics";
import type { ResultRecord } from "../contract/record.ts";
import { textTable } from "../core/format.ts";
import { fmtSpread, type Spread, spread } from "../core/median.ts";
import { type Kind, METRIC, METRICS, type Metric, show, UNIT } from "./metrics.ts";
import { type Checked, check, type Threshold } from "./thresholds.ts";

/** Below this p (two-sided) a difference is called beyond the noise: benchstat's default α. */
export const ALPHA = 0.05;
const PERMUTATIONS = 10_000;

export interface GroupRow {
  metric: Metric;
  label: string;
  kind: Kind;
  a: Spread;
  b: Spread;
  /** B's median against A's, % (null: A's is 0 or missing) */
  deltaPct: number | null;
  /** two-sided permutation test of the means (simple-statistics); null with fewer than 2 runs a side */
  p: number | null;
  /** "beyond the noise" (p < ALPHA), "within the noise", or "too few runs to tell" */
  says: string;
}

// NOTE: a fixed seed (mulberry32), so the same groups give the same p on every call: results stay reproducible.
function seeded(seed: number): () => number {
  let t = seed;
  return () => {
    t = (t + 0x6d2b79f5) | 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The smallest p a permutation test can give for these group sizes: 2 / C(na + nb, na). */
export function minP(na: number, nb: number): number {
  let c = 1;
  for (let i = 1; i <= na; i++) c = (c * (nb + i)) / i;
  return Math.min(1, 2 / c);
}

export function groupRow(metric: Metric, as: ResultRecord[], bs: ResultRecord[]): GroupRow {
  const { label, kind, of } = METRIC[metric];
  const vals = (rs: ResultRecord[]) => rs.flatMap((r) => (of(r) === null ? [] : [of(r) as number]));
  const [xa, xb] = [vals(as), vals(bs)];
  const [a, b] = [spread(xa), spread(xb)];
  const deltaPct = a.n && b.n && a.median !== 0 ? ((b.median - a.median) / a.median) * 100 : null;
  if (xa.length < 2 || xb.length < 2)
    return { metric, label, kind, a, b, deltaPct, p: null, says: "too few runs to tell" };
  const same = xa.concat(xb).every((x) => x === xa[0]);
  const p = same ? 1 : permutationTest(xa, xb, "two_side", PERMUTATIONS, seeded(1));
  const says =
    minP(xa.length, xb.length) >= ALPHA
      ? `too few runs to tell (${xa.length} + ${xb.length} cannot reach p < ${ALPHA})`
      : p < ALPHA
        ? "beyond the noise"
        : "within the noise";
  return { metric, label, kind, a, b, deltaPct, p, says };
}

/** Every metric, group B against group A. */
export function diffGroups(as: ResultRecord[], bs: ResultRecord[]): GroupRow[] {
  // NOTE: the LB's row only where a run had one (a fleet), as in a diff of two runs.
  return METRICS.map((m) => groupRow(m, as, bs)).filter(
    (r) => r.metric !== "lb_us_per_req" || r.a.n + r.b.n > 0,
  );
}

export interface GroupDiff {
  a: string[];
  b: string[];
  rows: GroupRow[];
  thresholds: Checked[];
  /** a threshold broken by the medians, unless the test says the difference is within the noise */
  regression: boolean;
}

/** Group B against group A; each threshold judged on the medians and kept only when beyond (or not within) the noise. */
export function diffGroupRuns(as: ResultRecord[], bs: ResultRecord[], thresholds: Threshold[]): GroupDiff {
  const rows = diffGroups(as, bs);
  const ids: [string, string] = ["A", "B"];
  const checked = thresholds.map((t) => {
    const row = rows.find((r) => r.metric === t.metric);
    return check(t, row?.a.n ? row.a.median : null, row?.b.n ? row.b.median : null, ids);
  });
  const noisy = (c: Checked) => rows.find((r) => r.metric === c.metric)?.says === "within the noise";
  return {
    a: as.map((r) => r.id),
    b: bs.map((r) => r.id),
    rows,
    thresholds: checked,
    regression: checked.some((c) => !c.pass && !noisy(c)),
  };
}

/** The table for people: A and B as median (min–max), B vs A, p, and what the test says. */
export function groupDiffText(d: GroupDiff): string {
  const rows = d.rows.map((r) => {
    const unit = UNIT[r.kind] ? ` (${UNIT[r.kind]})` : "";
    const f = (x: number) => show(r.kind, x);
    const pct =
      r.deltaPct === null ? "-" : `${r.deltaPct >= 0 ? "+" : "−"}${Math.abs(r.deltaPct).toFixed(1)} %`;
    return [
      `${r.label}${unit}`,
      fmtSpread(r.a, f),
      fmtSpread(r.b, f),
      pct,
      r.p === null ? "-" : r.p.toFixed(3),
      r.says,
    ];
  });
  const lines = [
    `A  ${d.a.length} runs: ${d.a.join(", ")}`,
    `B  ${d.b.length} runs: ${d.b.join(", ")}`,
    "",
    textTable(["median (min–max)", "A", "B", "B vs A", "p", ""], rows),
    "",
    `p: two-sided permutation test of the means (simple-statistics, ${PERMUTATIONS} permutations, fixed seed); beyond the noise at p < ${ALPHA}`,
  ];
  for (const c of d.thresholds) {
    const within = d.rows.find((r) => r.metric === c.metric)?.says === "within the noise";
    lines.push(`  ${c.pass ? "ok        " : within ? "noise     " : "REGRESSION"}  ${c.text} (medians)`);
  }
  return `${lines.join("\n")}\n`;
}
