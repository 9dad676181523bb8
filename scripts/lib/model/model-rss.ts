// The planning model's RAM: server RSS fitted as a cost per process plus a cost per connection (least squares).

import { isPlaced } from "../contract/placement.ts";
import type { ResultRecord } from "../contract/record.ts";
import { median } from "../core/median.ts";

export interface RssModel {
  /** RSS of one idle server process (primary or worker), bytes */
  perProcessBytes: number;
  perConnectionBytes: number;
  method: string;
  runs: string[];
}

interface Point {
  p: number;
  c: number;
  y: number;
}

const pointsOf = (runs: ResultRecord[]): Point[] =>
  runs
    .filter((r) => r.measurements.rssBytes > 0 && r.load.connections > 0)
    .map((r) => ({ p: r.server.workers + 1, c: r.load.connections, y: r.measurements.rssBytes }));

/** y = a × p + b × c through the origin by least squares; null when the shapes cannot separate a and b. */
function leastSquares(pts: Point[]): { a: number; b: number } | null {
  let spp = 0;
  let spc = 0;
  let scc = 0;
  let spy = 0;
  let scy = 0;
  for (const { p, c, y } of pts) {
    spp += p * p;
    spc += p * c;
    scc += c * c;
    spy += p * y;
    scy += c * y;
  }
  const det = spp * scc - spc * spc;
  if (pts.length < 2 || Math.abs(det) <= 1e-9 * spp * scc) return null;
  return { a: (spy * scc - scy * spc) / det, b: (spp * scy - spc * spy) / det };
}

const which = (runs: ResultRecord[]): string =>
  runs.every(isPlaced) ? "placed runs" : runs.some(isPlaced) ? "runs of every placement" : "shared runs";

/**
 * Peak server RSS ≈ perProcess × (workers + 1) + perConnection × connections, fitted over `runs` (placed runs
 * when there are any), else over `all`. NOTE: with one shape only (or a fit that is not positive) the whole RSS
 * is charged to the connections (perProcess 0), which over-estimates RAM for large connection counts: an upper bound.
 */
export function fitRss(runs: ResultRecord[], all: ResultRecord[] = runs): RssModel {
  for (const rs of runs.length === all.length ? [runs] : [runs, all]) {
    const f = leastSquares(pointsOf(rs));
    if (f && f.a > 0 && f.b > 0)
      return {
        perProcessBytes: f.a,
        perConnectionBytes: f.b,
        method: `least-squares fit over ${rs.length} ${which(rs)}: RSS = a × (workers + 1) + b × connections`,
        runs: rs.map((r) => r.id).sort(),
      };
  }
  const pts = pointsOf(runs);
  return {
    perProcessBytes: 0,
    perConnectionBytes: median(pts.map((x) => x.y / x.c)) || 0,
    method: `median RSS ÷ connections over ${pts.length} ${which(runs)} (no fit possible: an upper bound)`,
    runs: runs.map((r) => r.id).sort(),
  };
}
