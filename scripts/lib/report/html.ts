// The report's HTML shell: escaping, a self-contained page (inline CSS, no scripts, no network), figures, tables.

export const esc = (s: string | number): string =>
  String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const CSS = `
body { font: 14px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; color: #1d1d1d; margin: 0; background: #f6f6f6; }
main { max-width: 980px; margin: 0 auto; padding: 24px 28px 40px; background: #ffffff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e2e2e2; }
.sub { color: #555555; margin: 0 0 14px; }
.verdict { display: inline-block; font-weight: bold; padding: 2px 10px; border-radius: 4px; color: #ffffff; }
.verdict.pass { background: #2e7d32; } .verdict.fail { background: #c62828; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
th, td { border: 1px solid #dddddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.ok { color: #2e7d32; font-weight: bold; } td.bad { color: #c62828; font-weight: bold; }
figure.chart { margin: 18px 0; } figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: #555555; font-size: 12.5px; margin-top: 2px; }
.nodata { border: 1px dashed #bbbbbb; padding: 18px; color: #555555; background: #fafafa; }
pre { background: #f4f4f4; padding: 8px 10px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; word-break: break-all; }
footer { margin-top: 30px; }
`;

/** A whole page: everything it shows is in this one file (the charts are inline SVG). */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** A chart, or the reason it has none; data-chart names it for the browser test. */
export interface Figure {
  id: string;
  title: string;
  /** the inline SVG, or null with `note` saying why there is no chart */
  svg: string | null;
  note?: string;
  caption: string;
}

export function figure(f: Figure): string {
  const inner =
    f.svg ?? `<div class="nodata"><strong>${esc(f.title)}</strong>: ${esc(f.note ?? "no data")}</div>`;
  const kind = f.svg ? "chart" : "chart-missing";
  return `<figure class="chart" data-chart="${esc(f.id)}" data-kind="${kind}">
${inner}
<figcaption>${esc(f.caption)}</figcaption>
</figure>`;
}

/** A table; cells are HTML already (escape text with esc), a {html, cls} cell gets a class. */
export type Cell = string | { html: string; cls: string };

export function table(head: readonly string[], rows: readonly (readonly Cell[])[], id?: string): string {
  const td = (c: Cell): string =>
    typeof c === "string" ? `<td>${c}</td>` : `<td class="${c.cls}">${c.html}</td>`;
  const idAttr = id ? ` id="${esc(id)}"` : "";
  return `<table${idAttr}>
<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>
<tbody>
${rows.map((r) => `<tr>${r.map(td).join("")}</tr>`).join("\n")}
</tbody>
</table>`;
}

/** Two-column key/value table of plain text. */
export function facts(rows: readonly [string, string | number][]): string {
  return table(
    ["", ""],
    rows.map(([k, v]) => [esc(k), esc(v)]),
  ).replace(/<thead>.*<\/thead>\n/, "");
}
