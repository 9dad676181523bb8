// Capacity notes, the charts: Vega-Lite specs (core/render-svg.ts renders them to SVG headless).
import type { TopLevelSpec } from "vega-lite";
import { littleCeilingRps } from "../contract/little.ts";
import type { CellSummary } from "./notes-data.ts";

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
/** NOTE: no red among the series: red is the SLO line's alone. */
const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#72b7b2", "#9d755d", "#eeca3b", "#79706e"];
export const SLO_RED = "#d62728";
export const GUIDE = "#555555";

export const workersLabel = (w: number): string => `${w} worker${w === 1 ? "" : "s"}`;

export interface ChartLines {
  stubMs: number;
  budgetMs: number;
  /** the lab's target: a line at this RPS */
  targetRps: number;
}

/** One point per cell: medians, the spread of its repeats, its verdict. */
export function pointsOf(cells: CellSummary[]) {
  return cells.map((c) => ({
    series: workersLabel(c.workers),
    mode: c.mode,
    connections: c.connections,
    rps: Math.round(c.rps.median),
    rpsMin: Math.round(c.rps.min),
    rpsMax: Math.round(c.rps.max),
    p99: Math.round(c.p99Us.median / 100) / 10,
    p99Min: Math.round(c.p99Us.min / 100) / 10,
    p99Max: Math.round(c.p99Us.max / 100) / 10,
    verdict: c.pass ? "PASS" : "FAIL",
    n: c.runs.length,
  }));
}

export function encodings(cells: CellSummary[]) {
  const ws = [...new Set(cells.map((c) => c.workers))].sort((a, b) => a - b);
  return {
    color: {
      field: "series",
      type: "nominal" as const,
      title: null,
      scale: { domain: ws.map(workersLabel), range: ws.map((_, i) => PALETTE[i % PALETTE.length] as string) },
    },
    dash: {
      field: "mode",
      type: "nominal" as const,
      title: null,
      scale: {
        domain: ["saturate", "paced"],
        range: [
          [1, 0],
          [6, 3],
        ],
      },
      legend: { symbolType: "stroke", symbolStrokeColor: GUIDE },
    },
    shape: {
      field: "verdict",
      type: "nominal" as const,
      title: null,
      scale: { domain: ["PASS", "FAIL"], range: ["circle", "cross"] },
    },
    // NOTE: lines join cells in connection order: in RPS order an overloaded cell (fewer RPS at more connections) zigzags.
    order: { field: "connections", type: "quantitative" as const },
  };
}

/** Compact: every legend in one row under the plot, small symbols. */
export const CONFIG = {
  legend: { orient: "bottom", direction: "horizontal", symbolSize: 50, labelFontSize: 10, columnPadding: 8 },
  view: { stroke: null },
} as const;

type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];
type Enc = { field: string; type: "quantitative"; title?: string; scale?: object };

/** A guide line across the plot at `value` on one channel, and its label: two layers. */
export function guideLayers(
  on: "x" | "y",
  enc: Enc,
  value: number,
  label: string,
  style: { color: string; dash: number[]; text: object },
): Layer[] {
  return [
    {
      data: { values: [{ [enc.field]: value }] },
      mark: { type: "rule", color: style.color, strokeDash: style.dash },
      encoding: { [on]: enc },
    },
    {
      data: { values: [{ [enc.field]: value, label }] },
      mark: { type: "text", color: style.color, ...style.text },
      encoding: { [on]: enc, text: { field: "label" } },
    },
  ] as Layer[];
}

/**
 * The cells: a line per worker count and mode, min–max bars where a cell has repeats, PASS/FAIL points.
 * NOTE: lines and points are separate layers: with `point: true` the mode legend's strokes turn transparent.
 */
export function seriesLayers(cells: CellSummary[], x: Enc, y: Enc, spread: [string, string]): Layer[] {
  const e = encodings(cells);
  const values = pointsOf(cells);
  return [
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
        y: { field: spread[0], type: "quantitative", scale: y.scale },
        y2: { field: spread[1] },
        color: e.color,
      },
    },
    {
      data: { values },
      mark: { type: "point", filled: true, size: 60 },
      encoding: { x, y, color: e.color, shape: e.shape },
    },
  ] as Layer[];
}

export const targetLabel = (rps: number): string => `target ${rps.toLocaleString("en-US")} RPS`;

/** Median steady RPS per cell against connections, a line per worker count and mode, the Little ceiling and the target. */
export function rpsVsConnectionsSpec(cells: CellSummary[], l: ChartLines): TopLevelSpec {
  const conns = [0, ...new Set(cells.map((c) => c.connections))].sort((a, b) => a - b);
  const x: Enc = { field: "connections", type: "quantitative", title: "connections" };
  const y: Enc = { field: "rps", type: "quantitative", title: "steady RPS (2xx responses / s)" };
  const last = conns[conns.length - 1] ?? 0;
  const ceiling = (c: number) => littleCeilingRps(c, l.stubMs);
  return {
    $schema: SCHEMA,
    title: "Steady RPS vs connections (median per cell; bars: min–max of repeats)",
    width: 560,
    height: 320,
    config: CONFIG,
    layer: [
      {
        data: { values: conns.map((c) => ({ connections: c, rps: ceiling(c) })) },
        mark: { type: "line", strokeDash: [2, 2], color: GUIDE },
        encoding: { x, y },
      },
      {
        data: {
          values: [
            {
              connections: last,
              rps: ceiling(last),
              label: `Little ceiling (connections ÷ ${l.stubMs / 1000} s)`,
            },
          ],
        },
        mark: { type: "text", color: GUIDE, align: "right", dx: -4, dy: -8 },
        encoding: { x, y, text: { field: "label" } },
      },
      ...guideLayers("y", y, l.targetRps, targetLabel(l.targetRps), {
        color: GUIDE,
        dash: [6, 2],
        text: { align: "left", dx: 4, dy: -6, x: 0 },
      }),
      ...seriesLayers(cells, x, y, ["rpsMin", "rpsMax"]),
    ],
  };
}
