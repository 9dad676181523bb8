// Vega-Lite specs as SVG ready to inline in one HTML page: rendered headless, their ids made unique per chart.
import type { TopLevelSpec } from "vega-lite";
import { renderSvg } from "../core/render-svg.ts";

// NOTE: vega names its clip paths clip1, clip2, … in every SVG it renders; several inlined into one page would
// share those ids and clip each other, so every id (and every reference to one) gets the chart's own prefix.
export function uniqueIds(svg: string, prefix: string): string {
  return svg.replace(
    /(\bid="|url\(#|href="#)([^")]+)/g,
    (_, lead: string, id: string) => `${lead}${prefix}-${id}`,
  );
}

/** The chart as an inline <svg>, its ids prefixed with `id`. */
export async function chartSvg(id: string, spec: TopLevelSpec): Promise<string> {
  return uniqueIds(await renderSvg(spec), id);
}
