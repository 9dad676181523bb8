// Vega-Lite specs rendered to SVG headless (vega View, renderer "none"): for the notes' files and the report pages.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

// NOTE: no fetches (data is inline) and no canvas: text is measured by vega's estimate, fine for SVG files.
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
