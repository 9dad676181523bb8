// What the run page shows per chart: its spec, or why there is no chart, and the line under it.
import type { TopLevelSpec } from "vega-lite";
import { COLOR, CONFIG, dataLayer, HEIGHT, SCHEMA, WIDTH } from "./chart-style.ts";

export interface ChartPlan {
  id: string;
  title: string;
  /** null: no chart, `note` says why */
  spec: TopLevelSpec | null;
  note?: string;
  caption: string;
}

/** A horizontal (or, with `axis: "x"`, vertical) reference line with its label. */
export interface Ref {
  at: number;
  label: string;
  color: string;
  axis?: "x" | "y";
}

/** A chart with no data: the plan says why, the page shows that sentence in its place. */
export const noChart = (id: string, title: string, note: string, caption: string): ChartPlan => ({
  id,
  title,
  spec: null,
  note,
  caption,
});

/** The reference lines of a chart as layers: a dashed rule each and its label at the far end. */
export function refLayers(refs: readonly Ref[], field: { x?: string; y?: string }): object[] {
  return refs.flatMap((r, i) => {
    const vertical = r.axis === "x";
    const name = vertical ? (field.x ?? "x") : (field.y ?? "y");
    const enc = { [vertical ? "x" : "y"]: { field: name, type: "quantitative" as const } };
    const data = { values: [{ [name]: r.at, label: r.label }] };
    const text = vertical
      ? { type: "text" as const, align: "left" as const, baseline: "top" as const, dx: 4, y: 4 + 14 * i }
      : { type: "text" as const, align: "right" as const, dy: -6, x: "width" as const };
    return [
      {
        data,
        mark: { type: "rule" as const, color: r.color, strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: enc,
      },
      {
        data,
        mark: { ...text, color: r.color, fontSize: 11 },
        encoding: { ...enc, text: { field: "label" } },
      },
    ];
  });
}

/** The common frame of a layered report chart. */
export function frame(title: string, subtitle: string, layer: object[]): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    layer,
  } as TopLevelSpec;
}

/** One colour per named series, in this order. */
export function seriesColor(labels: readonly string[], title: string) {
  const range = [COLOR.first, COLOR.second];
  return {
    field: "series",
    type: "nominal" as const,
    title,
    scale: { domain: [...labels], range: labels.map((_, i) => range[i % range.length] as string) },
    legend: { symbolType: "stroke", labelLimit: 360 },
  };
}

export { dataLayer };
