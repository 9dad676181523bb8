// Capacity notes, the p99 chart: p99 against steady RPS on the decision's scale, the SLO line and the target.
import type { TopLevelSpec } from "vega-lite";
import { type ChartLines, CONFIG, encodings, GUIDE, pointsOf, SCHEMA, SLO_RED } from "./notes-charts.ts";
import type { CellSummary } from "./notes-data.ts";

/** p99 against steady RPS per cell on the decision's scale (out-of-scale cells pinned to the top, their value written). */
export function p99VsRpsSpec(cells: CellSummary[], l: ChartLines): TopLevelSpec {
  const e = encodings(cells);
  const values = pointsOf(cells);
  const limit = l.stubMs + l.budgetMs;
  const lo = l.stubMs - 10;
  const hi = l.stubMs + 3 * l.budgetMs;
  const scale = { domain: [lo, hi], clamp: true, zero: false };
  const x = { field: "rps", type: "quantitative" as const, title: "steady RPS (2xx responses / s)" };
  const y = {
    field: "p99",
    type: "quantitative" as const,
    title: `p99 latency (ms; above ${hi} pinned to the top)`,
    scale,
  };
  return {
    $schema: SCHEMA,
    title: `p99 vs steady RPS — SLO p99 ≤ ${limit} ms (stub ${l.stubMs} + budget ${l.budgetMs})`,
    width: 560,
    height: 320,
    config: CONFIG,
    layer: [
      {
        data: { values: [{ p99: limit }] },
        mark: { type: "rule", color: SLO_RED, strokeDash: [4, 4] },
        encoding: { y },
      },
      {
        data: { values: [{ p99: limit, label: `SLO: p99 ≤ ${limit} ms` }] },
        mark: { type: "text", color: SLO_RED, align: "left", dx: 4, dy: -6, x: 0 },
        encoding: { y, text: { field: "label" } },
      },
      {
        data: { values: [{ rps: l.targetRps }] },
        mark: { type: "rule", color: GUIDE, strokeDash: [6, 2] },
        encoding: { x },
      },
      {
        data: { values: [{ rps: l.targetRps, label: `target ${l.targetRps.toLocaleString("en-US")} RPS` }] },
        mark: { type: "text", color: GUIDE, align: "left", dx: 4, y: 8 },
        encoding: { x, text: { field: "label" } },
      },
      {
        data: { values },
        mark: { type: "line", clip: true },
        encoding: { x, y, color: e.color, strokeDash: e.dash, order: e.order },
      },
      {
        data: { values },
        transform: [{ filter: "datum.n > 1" }],
        mark: { type: "rule", strokeWidth: 2 },
        encoding: {
          x,
          y: { field: "p99Min", type: "quantitative", scale },
          y2: { field: "p99Max" },
          color: e.color,
        },
      },
      {
        data: { values },
        mark: { type: "point", filled: true, size: 60 },
        encoding: { x, y, color: e.color, shape: e.shape },
      },
      {
        data: { values },
        transform: [
          { filter: `datum.p99 > ${hi}` },
          { calculate: "'↑ ' + format(datum.p99, '.0f') + ' ms'", as: "label" },
        ],
        mark: { type: "text", fontSize: 9, angle: 90, align: "left", dx: 6, color: GUIDE },
        encoding: { x, y, text: { field: "label" } },
      },
    ],
  };
}
