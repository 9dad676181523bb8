// Two runs side by side: each metric in both (base units), B − A and B against A in percent; bound and verdict.
import { ruleList } from "../contract/reasons.ts";
import type { ResultRecord } from "../contract/record.ts";
import { type Kind, METRIC, METRICS, type Metric } from "./metrics.ts";
import { type Checked, check, type Threshold } from "./thresholds.ts";

/** One number in both runs, with B − A and B against A. */
export interface ValueRow {
  label: string;
  kind: Kind;
  a: number | null;
  b: number | null;
  /** B − A; null when either side lacks the metric */
  delta: number | null;
  /** (B − A) / A × 100; null also when A is 0 */
  deltaPct: number | null;
}

export interface MetricRow extends ValueRow {
  metric: Metric;
}

export interface TextRow {
  label: "bound" | "verdict";
  a: string;
  b: string;
  changed: boolean;
}

/** What a run was: the knobs that must match for a diff to compare like with like. */
export interface Shape {
  mode: string;
  connections: number;
  targetRps: number;
  workers: number;
  stubMs: number;
  durationS: number;
  placement: string;
  /** server hosts behind an LB (make lab SERVERS=n); 0 = one server */
  servers: number;
  /** HAProxy processes on the LB's port (a fleet's; 0 = no LB) */
  lbProcesses: number;
  server: string;
  /** the wrk build: "lab <patch set>" or "wrk <version>" (records before the lab's build: Debian's 4.1.0) */
  generator: string;
}

export interface Diff {
  a: { id: string; shape: Shape };
  b: { id: string; shape: Shape };
  /** the knobs whose values differ (other than the stub, which a diff is often about); [] = same shape */
  shapeDiffers: (keyof Shape)[];
  rows: MetricRow[];
  /** fleets: each server host's share and CPU per request, by host name (absent when neither run is a fleet) */
  perServer?: ValueRow[];
  text: TextRow[];
  thresholds: Checked[];
  regression: boolean;
}

export function shapeOf(r: ResultRecord): Shape {
  return {
    mode: r.load.mode,
    connections: r.load.connections,
    targetRps: r.load.targetRps,
    workers: r.server.workers,
    stubMs: r.slo?.stubMs ?? r.server.stubMs,
    durationS: r.load.durationS,
    placement: r.placement?.kind ?? "shared",
    servers: r.fleet?.servers.length ?? 0,
    lbProcesses: r.fleet ? (r.fleet.lb.processes ?? 1) : 0,
    server: r.server.impl ?? "uws",
    generator: generatorName(r),
  };
}

export function generatorName(r: ResultRecord): string {
  const g = r.load.generator;
  if (!g) return "wrk 4.1.0";
  return g.patchSet ? `lab wrk ${g.patchSet}` : `wrk ${g.version}`;
}

export function metricRow(metric: Metric, ra: ResultRecord, rb: ResultRecord): MetricRow {
  const { label, kind, of } = METRIC[metric];
  return { metric, ...valueRow(label, kind, of(ra), of(rb)) };
}

function valueRow(label: string, kind: Kind, a: number | null, b: number | null): ValueRow {
  const delta = a !== null && b !== null ? b - a : null;
  const deltaPct = delta !== null && a !== null && a !== 0 ? (delta / a) * 100 : null;
  return { label, kind, a, b, delta, deltaPct };
}

// NOTE: by host name (s1, s2 …): a host only one run had shows "-" on the other side.
function perServerRows(ra: ResultRecord, rb: ResultRecord): ValueRow[] | undefined {
  if (!ra.fleet && !rb.fleet) return undefined;
  const hosts = [...new Set([...(ra.fleet?.servers ?? []), ...(rb.fleet?.servers ?? [])].map((s) => s.host))];
  const of = (r: ResultRecord, h: string) => r.fleet?.servers.find((s) => s.host === h) ?? null;
  return hosts.flatMap((h) => [
    valueRow(`${h} requests`, "count", of(ra, h)?.requests ?? null, of(rb, h)?.requests ?? null),
    valueRow(`${h} CPU`, "cpu", of(ra, h)?.usPerRequest ?? null, of(rb, h)?.usPerRequest ?? null),
  ]);
}

const verdictOf = (r: ResultRecord): string =>
  r.verdict.pass ? "PASS" : `FAIL (${ruleList(r.verdict.reasons)})`;

/** B against A: every metric row, bound and verdict, and each threshold judged on B. */
export function diffRuns(ra: ResultRecord, rb: ResultRecord, thresholds: Threshold[]): Diff {
  // NOTE: the LB's row only where a run had one: every other diff stays as it was.
  const rows = METRICS.map((m) => metricRow(m, ra, rb)).filter(
    (r) => r.metric !== "lb_us_per_req" || r.a !== null || r.b !== null,
  );
  const perServer = perServerRows(ra, rb);
  const text: TextRow[] = [
    { label: "bound", a: ra.bound, b: rb.bound, changed: ra.bound !== rb.bound },
    { label: "verdict", a: verdictOf(ra), b: verdictOf(rb), changed: verdictOf(ra) !== verdictOf(rb) },
  ];
  const ids: [string, string] = [ra.id, rb.id];
  const checked = thresholds.map((t) => check(t, METRIC[t.metric].of(ra), METRIC[t.metric].of(rb), ids));
  const [sa, sb] = [shapeOf(ra), shapeOf(rb)];
  const keys = Object.keys(sa) as (keyof Shape)[];
  return {
    a: { id: ra.id, shape: sa },
    b: { id: rb.id, shape: sb },
    shapeDiffers: keys.filter((k) => k !== "stubMs" && sa[k] !== sb[k]),
    rows,
    ...(perServer ? { perServer } : {}),
    text,
    thresholds: checked,
    regression: checked.some((c) => !c.pass),
  };
}
