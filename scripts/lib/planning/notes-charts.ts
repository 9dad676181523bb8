// Capacity notes, the charts: Vega-Lite specs rendered to SVG headless (vega View, renderer "none").
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { CellSummary } from "./notes-data.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#9d755d", "#eeca3b"];

export const workersLabel = (w: number): string => `${w} worker${w === 1 ? "" : "s"}`;

// NOTE: no fetches (data is inline) and no canvas: text is measured by vega's estimate, fine for SVG files.
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function seriesScale(cells: CellSummary[], extra: { label: string; color: string }[] = []) {
  const ws = [...new Set(cells.map((c) => c.workers))].sort((a, b) => a - b);
  return {
    domain: [...ws.map(workersLabel), ...extra.map((e) => e.label)],
    range: [...ws.map((_, i) => PALETTE[i % PALETTE.length] as string), ...extra.map((e) => e.color)],
  };
}

const modeDash = {
  field: "mode",
  type: "nominal" as const,
  title: "mode",
  scale: {
    domain: ["saturate", "paced"],
    range: [
      [1, 0],
      [6, 3],
    ],
  },
  legend: { symbolType: "stroke", symbolStrokeColor: "#444444" },
};

/** Median steady RPS per cell against connections, a line per worker count and mode, and the Little ceiling. */
export function rpsVsConnectionsSpec(cells: CellSummary[], stubMs: number): TopLevelSpec {
  const ceiling = `Little ceiling (connections ÷ ${stubMs / 1000} s)`;
  const conns = [...new Set(cells.map((c) => c.connections))].sort((a, b) => a - b);
  const values = cells.map((c) => ({
    series: workersLabel(c.workers),
    mode: c.mode,
    connections: c.connections,
    rps: Math.round(c.rps.median),
  }));
  const color = {
    field: "series",
    type: "nominal" as const,
    title: "server",
    scale: seriesScale(cells, [{ label: ceiling, color: "#222222" }]),
    legend: { labelLimit: 320, symbolType: "stroke" },
  };
  const x = { field: "connections", type: "quantitative" as const, title: "connections" };
  const y = { field: "rps", type: "quantitative" as const, title: "steady RPS (2xx responses / s)" };
  // NOTE: lines and points are separate layers: with `point: true` the mode legend's strokes turn transparent.
  return {
    $schema: SCHEMA,
    title: "Steady RPS vs connections (median per cell)",
    width: 560,
    height: 340,
    layer: [
      { data: { values }, mark: "line", encoding: { x, y, color, strokeDash: modeDash } },
      { data: { values }, mark: { type: "point", filled: true }, encoding: { x, y, color } },
      {
        data: {
          values: [0, ...conns].map((c) => ({ series: ceiling, connections: c, rps: c / (stubMs / 1000) })),
        },
        mark: { type: "line", strokeDash: [2, 2] },
        encoding: { x, y, color },
      },
    ],
  };
}

/** p99 against steady RPS per cell, a line per worker count and mode, and the SLO line (stub + budget). */
export function p99VsRpsSpec(cells: CellSummary[], stubMs: number, budgetMs: number): TopLevelSpec {
  const limit = stubMs + budgetMs;
  const values = cells.map((c) => ({
    series: workersLabel(c.workers),
    mode: c.mode,
    rps: Math.round(c.rps.median),
    p99: Math.round(c.p99Us.median / 100) / 10,
    verdict: c.pass ? "PASS" : "FAIL",
  }));
  const x = { field: "rps", type: "quantitative" as const, title: "steady RPS (2xx responses / s)" };
  const y = { field: "p99", type: "quantitative" as const, title: "p99 latency (ms)" };
  const color = {
    field: "series",
    type: "nominal" as const,
    title: "server",
    scale: seriesScale(cells),
    legend: { symbolType: "stroke" },
  };
  const slo = { data: { values: [{ p99: limit, label: `SLO: p99 ≤ ${limit} ms` }] } };
  return {
    $schema: SCHEMA,
    title: `p99 latency vs steady RPS (SLO: p99 ≤ ${limit} ms = stub ${stubMs} + budget ${budgetMs})`,
    width: 560,
    height: 340,
    layer: [
      { data: { values }, mark: "line", encoding: { x, y, color, strokeDash: modeDash } },
      {
        data: { values },
        mark: { type: "point", filled: true, size: 60 },
        encoding: {
          x,
          y,
          color,
          shape: { field: "verdict", type: "nominal", title: "verdict", scale: { domain: ["PASS", "FAIL"] } },
        },
      },
      { ...slo, mark: { type: "rule", color: "#d62728", strokeDash: [4, 4] }, encoding: { y } },
      {
        ...slo,
        mark: { type: "text", color: "#d62728", align: "left", dx: 4, dy: -6, x: 0 },
        encoding: { y, text: { field: "label" } },
      },
    ],
  };
}
