// Capacity notes, the p99 chart: p99 against steady RPS on the decision's scale, the SLO line and the target.
import type { TopLevelSpec } from "vega-lite";
import {
  type ChartLines,
  CONFIG,
  GUIDE,
  guideLayers,
  pointsOf,
  SCHEMA,
  SLO_RED,
  seriesLayers,
  targetLabel,
} from "./notes-charts.ts";
import type { CellSummary } from "./notes-data.ts";

/** p99 against steady RPS per cell on the decision's scale (out-of-scale cells pinned to the top, their value written). */
export function p99VsRpsSpec(cells: CellSummary[], l: ChartLines): TopLevelSpec {
  const limit = l.stubMs + l.budgetMs;
  const hi = l.stubMs + 3 * l.budgetMs;
  const scale = { domain: [l.stubMs - 10, hi], clamp: true, zero: false };
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
      ...guideLayers("y", y, limit, `SLO: p99 ≤ ${limit} ms`, {
        color: SLO_RED,
        dash: [4, 4],
        text: { align: "left", dx: 4, dy: -6, x: 0 },
      }),
      ...guideLayers("x", x, l.targetRps, targetLabel(l.targetRps), {
        color: GUIDE,
        dash: [6, 2],
        text: { align: "left", dx: 4, y: 8 },
      }),
      ...seriesLayers(cells, x, y, ["p99Min", "p99Max"]),
      {
        data: { values: pointsOf(cells) },
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
