// One run's report page (results/<id>/report.html): the verdict rule by rule, the charts, the commands and setup.
import type { ResultRecord } from "../contract/record.ts";
import { int, ms } from "../core/format.ts";
import type { ChartPlan } from "./chart-plan.ts";
import { histogramChart, spectrumChart } from "./charts-latency.ts";
import { connectionsChart, contentionChart, cpuChart, rpsChart } from "./charts-time.ts";
import { esc, figure, page, table } from "./html.ts";
import { detailsHtml } from "./run-details.ts";
import { chartSvg } from "./svg.ts";
import { ruleRows } from "./verdict-rows.ts";

/** The charts of a run page, in order (ids: rps, connections, cpu, contention, spectrum, histogram). */
export const runCharts = (r: ResultRecord): ChartPlan[] => [
  rpsChart(r),
  connectionsChart(r),
  cpuChart(r),
  contentionChart(r),
  spectrumChart(r),
  histogramChart(r),
];

function headerHtml(r: ResultRecord): string {
  const verdict = r.verdict.pass ? "PASS" : "FAIL";
  const rows = ruleRows(r).map((x) => [
    esc(x.rule),
    esc(x.requirement),
    esc(x.measured),
    { html: x.pass ? "pass" : `FAIL: ${esc(x.detail ?? "")}`, cls: x.pass ? "ok" : "bad" },
  ]);
  const m = r.measurements;
  return `<header>
<h1><span id="verdict" class="verdict ${verdict.toLowerCase()}">${verdict}</span> ${esc(r.load.mode)} · ${esc(int(r.load.connections))} connections · ${esc(r.server.workers)} workers · stub ${esc(r.slo.stubMs)} ms · ${esc(r.load.durationS)} s</h1>
<p class="sub">${esc(r.id)} · started ${esc(r.startedAt)} · ${esc(int(m.rps))} req/s steady · p99 ${esc(ms(m.latencyUs.p99))} ms · bound: <strong>${esc(r.bound)}</strong> — ${esc(r.boundWhy)}</p>
${table(["rule", "requires", "measured", "result"], rows, "rules")}
</header>`;
}

/** The whole page; the charts are rendered to inline SVG here. */
export async function runPageHtml(r: ResultRecord): Promise<string> {
  const figures: string[] = [];
  for (const c of runCharts(r)) {
    const svg = c.spec ? await chartSvg(c.id, c.spec) : null;
    figures.push(figure({ id: c.id, title: c.title, svg, note: c.note, caption: c.caption }));
  }
  const verdict = r.verdict.pass ? "PASS" : "FAIL";
  const body = [
    headerHtml(r),
    "<h2>Over time</h2>",
    ...figures.slice(0, 3),
    "<h2>Latency (whole measured run)</h2>",
    ...figures.slice(3),
    detailsHtml(r),
  ].join("\n");
  return page(`${verdict} ${r.id}`, body);
}
