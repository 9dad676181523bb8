// The run's time series from result.json's samples: 2xx RPS with the target, connections and in flight, CPU per side.

import { SATURATED } from "../contract/bound.ts";
import type { ResultRecord, RunSample } from "../contract/record.ts";
import { int } from "../core/format.ts";
import { formatCpuList } from "../placement/cpus.ts";
import { type ChartPlan, dataLayer, frame, noChart, type Ref, refLayers, seriesColor } from "./chart-plan.ts";
import { COLOR } from "./chart-style.ts";

interface Series {
  label: string;
  y: (s: RunSample) => number | null;
}

const NO_SAMPLES =
  "no per-second samples in this run (recorded before result.json kept them); the run's totals are in the header";

/** The steady window as a shaded band, with its name at the top. */
function windowLayers(r: ResultRecord): object[] {
  const w = r.measurements.steadyWindow;
  if (!w) return [];
  const data = { values: [{ from: w.fromS, to: w.toS, label: "steady window" }] };
  const x = { field: "from", type: "quantitative" as const };
  return [
    {
      data,
      mark: { type: "rect", color: COLOR.steadyWindow, opacity: 0.14 },
      encoding: { x, x2: { field: "to" } },
    },
    {
      data,
      mark: { type: "text", color: "#666666", align: "left", baseline: "top", dx: 4, y: 4, fontSize: 11 },
      encoding: { x, text: { field: "label" } },
    },
  ];
}

interface TimeChart {
  id: string;
  title: string;
  subtitle: string;
  yTitle: string;
  series: Series[];
  refs: Ref[];
}

function timeChart(r: ResultRecord, { id, title, subtitle, yTitle, series, refs }: TimeChart) {
  const samples = r.measurements.samples ?? [];
  const values = series.flatMap((s) =>
    samples.flatMap((x) => {
      const y = s.y(x);
      return y === null ? [] : [{ t: x.t, y, series: s.label }];
    }),
  );
  const endS = Math.max(r.load.durationS, ...samples.map((s) => s.t));
  const x = {
    field: "t",
    type: "quantitative" as const,
    title: "seconds since wrk started",
    scale: { domain: [0, endS] },
  };
  const y = { field: "y", type: "quantitative" as const, title: yTitle };
  return frame(title, subtitle, [
    ...windowLayers(r),
    {
      name: dataLayer(id),
      data: { values },
      mark: { type: "line", point: { filled: true, size: 18 } },
      encoding: {
        x,
        y,
        color: seriesColor(
          series.map((s) => s.label),
          "",
        ),
      },
    },
    ...refLayers(refs, { x: "t", y: "y" }),
  ]);
}

const hasSamples = (r: ResultRecord): boolean => (r.measurements.samples?.length ?? 0) > 0;

export function rpsChart(r: ResultRecord): ChartPlan {
  const title = "2xx responses per second";
  const caption =
    "The server's own 2xx counter, read about once a second; the shaded band is the steady window the verdict's RPS is taken over.";
  if (!hasSamples(r)) return noChart("rps", title, NO_SAMPLES, caption);
  const m = r.measurements;
  const sub = `steady ${int(m.rps)} req/s, whole run ${int(m.rpsWholeRun)} req/s, target ${int(r.slo.targetRps)} req/s`;
  const target = {
    at: r.slo.targetRps,
    label: `target ${int(r.slo.targetRps)} req/s`,
    color: COLOR.reference,
  };
  const series = [{ label: "2xx / s (server)", y: (s: RunSample) => s.rps2xx }];
  return {
    id: "rps",
    title,
    caption,
    spec: timeChart(r, { id: "rps", title, subtitle: sub, yTitle: "responses / s", series, refs: [target] }),
  };
}

export function connectionsChart(r: ResultRecord): ChartPlan {
  const title = "Open connections and requests in flight";
  const caption =
    "Open: the connections the load held at the server. In flight: requests the server had received and not yet answered (the stub's wait).";
  if (!hasSamples(r)) return noChart("connections", title, NO_SAMPLES, caption);
  const c = r.load.connections;
  const sub = `${int(r.measurements.connectionsEstablished)} of ${int(c)} connections established${r.measurements.connectedAtS === null ? "" : `, all by ${r.measurements.connectedAtS} s`}`;
  const series = [
    { label: "open connections", y: (s: RunSample) => s.open },
    { label: "in flight", y: (s: RunSample) => s.inFlight },
  ];
  const asked = { at: c, label: `${int(c)} connections asked for`, color: COLOR.reference };
  const spec = timeChart(r, {
    id: "connections",
    title,
    subtitle: sub,
    yTitle: "count",
    series,
    refs: [asked],
  });
  return { id: "connections", title, caption, spec };
}

/** "CPU 1", "CPUs 0-1", "every CPU" */
const cpuSet = (cpus: number[] | null | undefined): string =>
  cpus ? `CPU${cpus.length === 1 ? "" : "s"} ${formatCpuList(cpus)}` : "every CPU";

export function cpuChart(r: ResultRecord): ChartPlan {
  const title = "CPU per side, as a share of the CPUs that side was given";
  const caption =
    "100 % is all of a side's own CPUs (its CPU set, or the whole machine when it floats); at 90 % a side counts as saturated (the lab contract's bound rule).";
  const samples = r.measurements.samples ?? [];
  if (samples.length === 0) return noChart("cpu", title, NO_SAMPLES, caption);
  const pl = r.placement;
  const gen = pl ? pl.generator.map((g) => cpuSet(g.cpus)).join(" + ") : "every CPU";
  const sides: Series[] = [
    { label: `server (${cpuSet(pl?.server.cpus)})`, y: (s) => s.serverOfItsCpusPct },
    { label: `wrk (${gen})`, y: (s) => s.generatorOfItsCpusPct },
  ];
  const series = sides.filter((s) => samples.some((x) => s.y(x) !== null));
  if (series.length === 0)
    return noChart(
      "cpu",
      title,
      "neither side's CPU was readable from this machine (hosts placement)",
      caption,
    );
  const c = r.measurements.cpu;
  const sub = `placement ${pl?.kind ?? "shared (not recorded)"}; over the steady window: server ${fmtPct(c.serverOfItsCpusPct)}, wrk ${fmtPct(c.generatorOfItsCpusPct)} of its CPUs · bound: ${r.bound}`;
  const refs = [
    { at: 100, label: "capacity: all of the side's CPUs", color: COLOR.reference },
    { at: SATURATED * 100, label: `saturated (${SATURATED * 100} %)`, color: COLOR.muted },
  ];
  const spec = timeChart(r, { id: "cpu", title, subtitle: sub, yTitle: "% of its own CPUs", series, refs });
  return { id: "cpu", title, caption, spec };
}

const fmtPct = (x: number | undefined): string => (x === undefined ? "?" : `${x.toFixed(0)} %`);

/** Whose CPU was it, per second: other tasks on each side's CPUs, and each side's run-queue wait. */
export function contentionChart(r: ResultRecord): ChartPlan {
  const title = "Whose CPU was it: other tasks and run-queue wait per side";
  const caption =
    "Other tasks: CPU that neither side nor the kernel's network work (ksoftirqd) used on that side's CPUs, % of them. Wait: ms per second that side's event loops spent runnable but waiting for a CPU (behind their own threads too).";
  const samples = (r.measurements.samples ?? []).filter((s) => s.contention);
  if (samples.length === 0)
    return noChart(
      "contention",
      title,
      "no contention samples in this run (recorded before they were kept)",
      caption,
    );
  const c = r.measurements.contention;
  const sub = c
    ? `steady window: other tasks ${fmtPct(c.server?.otherTasksCpuPct)} of the server's CPUs, ${fmtPct(c.generator?.otherTasksCpuPct)} of wrk's · bound: ${r.bound}`
    : `bound: ${r.bound}`;
  const all: Series[] = [
    { label: "other tasks, server CPUs (%)", y: (s) => s.contention?.serverOtherPct ?? null },
    { label: "other tasks, wrk CPUs (%)", y: (s) => s.contention?.generatorOtherPct ?? null },
    { label: "server wait (ms/s)", y: (s) => s.contention?.serverWaitMsPerS ?? null },
    { label: "wrk wait (ms/s)", y: (s) => s.contention?.generatorWaitMsPerS ?? null },
  ];
  const series = all.filter((s) => samples.some((x) => s.y(x) !== null));
  const t = c?.thresholds;
  const refs = t
    ? [
        {
          at: t.otherTasksCpuPct,
          label: `contention: other tasks ${t.otherTasksCpuPct} %`,
          color: COLOR.muted,
        },
      ]
    : [];
  const spec = timeChart(r, {
    id: "contention",
    title,
    subtitle: sub,
    yTitle: "% of its CPUs · ms per s",
    series,
    refs,
  });
  return { id: "contention", title, caption, spec };
}
