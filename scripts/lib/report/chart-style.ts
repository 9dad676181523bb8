// The report's chart look, in one place: sizes, fonts, the series palette and the reference-line colours.
import type { TopLevelSpec } from "vega-lite";

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Plot area of every report chart, px (the legend and axes come on top). */
export const WIDTH = 640;
export const HEIGHT = 220;

// NOTE: no series colour is red or near it: red is kept for the SLO line alone, dark grey for targets and limits.
export const COLOR = {
  /** first and second series of a chart (RPS, open connections, the server; in flight, wrk) */
  first: "#1f77b4",
  second: "#ff7f0e",
  slo: "#d62728",
  reference: "#3b3b3b",
  steadyWindow: "#9e9e9e",
  muted: "#777777",
} as const;

export const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

export const CONFIG: NonNullable<TopLevelSpec["config"]> = {
  font: FONT,
  background: "#ffffff",
  view: { stroke: "#cfcfcf" },
  title: {
    fontSize: 14,
    fontWeight: "bold",
    anchor: "start",
    subtitleFontSize: 11,
    subtitleColor: "#555555",
  },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", gridColor: "#ececec" },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: "top", symbolStrokeWidth: 3 },
  line: { strokeWidth: 2 },
};

/**
 * A layer that draws the run's data gets a name starting with data_: vega puts it in the SVG as the class
 * `data_…_marks`, which is how the browser test finds the marks that must not be empty.
 */
export const dataLayer = (what: string): string => `data_${what}`;
