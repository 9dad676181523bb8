// The results index: results/README.md (for people, ms) and results/index.csv (same rows, base units).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ruleList } from "../contract/reasons.ts";
import { writeAtomic } from "../core/atomic.ts";
import { int, ms } from "../core/format.ts";
import { type LoadedResult, loadResults } from "./run-dir.ts";

/** One run of the index; null = not in its record (early records, hand-made ones). */
export interface IndexRow {
  id: string;
  dir: string;
  startedAt: string;
  durationS: number | null;
  server: string;
  mode: string;
  workers: number;
  connections: number;
  /** shared when the record predates placements (they all were) */
  placement: string;
  portRange: [number, number] | null;
  rps: number;
  p99Us: number;
  overStubP99Us: number;
  errors: number;
  somaxconn: number | null;
  nofile: number | null;
  overflows: number;
  bound: string;
  pass: boolean;
  /** the failed rules, "rps, latency" */
  failed: string;
}

// NOTE: loadResults checks only the fields every table needs; the rest may be missing in old or hand-made records.
export function indexRow({ dir, record: r }: LoadedResult): IndexRow {
  const m = r.measurements;
  return {
    id: r.id,
    dir,
    startedAt: r.startedAt,
    durationS: r.load.durationS ?? null,
    server: r.server.impl ?? "uws",
    mode: r.load.mode,
    workers: r.server.workers,
    connections: r.load.connections,
    placement: r.placement?.kind ?? "shared",
    portRange: r.tuning?.ipLocalPortRange ?? null,
    rps: m.rps,
    p99Us: m.latencyUs.p99,
    overStubP99Us: m.overStubUs.p99,
    errors: Object.values(m.errors).reduce((a, v) => a + v, 0),
    somaxconn: r.tuning?.somaxconn ?? null,
    nofile: r.tuning?.nofileHard ?? null,
    overflows: m.kernel?.netstatDelta?.["TcpExt.ListenOverflows"] ?? 0,
    bound: r.bound,
    pass: r.verdict.pass,
    failed: ruleList(r.verdict.reasons),
  };
}

const verdictText = (x: IndexRow): string => (x.pass ? "PASS" : `FAIL (${x.failed})`);

/** "2026-11-23T20:34:23.512Z" → "2026-11-23 20:34" (UTC, as the ids) */
const dateText = (iso: string): string => iso.replace("T", " ").slice(0, 16);

export function indexTable(results: LoadedResult[]): string {
  const head = [
    "# Results",
    "",
    "One row per run, newest first; generated from `*/result.json` by the load driver — do not edit.",
    "Latency in ms; date in UTC; ports: net.ipv4.ip_local_port_range, wrk's client ports. somaxconn / nofile: the",
    "tuning in force; overflows: kernel ListenOverflows during the run. The same rows in base units: [index.csv](index.csv).",
    "",
    "| id | date | duration | server | mode | workers | conns | placement | ports | RPS | p99 ms | over-stub p99 ms | errors | somaxconn | nofile | overflows | bound | verdict |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const rows = results.map(indexRow).map((x) => {
    const cells = [
      `[${x.id}](${x.dir}/result.json)`,
      dateText(x.startedAt),
      x.durationS === null ? "?" : `${x.durationS} s`,
      x.server,
      x.mode,
      x.workers,
      int(x.connections),
      x.placement,
      x.portRange ? `${x.portRange[0]}–${x.portRange[1]}` : "?",
      int(x.rps),
      ms(x.p99Us),
      ms(x.overStubP99Us),
      int(x.errors),
      x.somaxconn ?? "?",
      x.nofile ?? "?",
      int(x.overflows),
      x.bound,
      verdictText(x),
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return `${[...head, ...rows].join("\n")}\n`;
}

/** RFC 4180: a field with a comma, a quote or a line break goes in quotes, its quotes doubled. */
export function csvField(x: string | number | null): string {
  const s = x === null ? "" : String(x);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const CSV_HEAD = [
  ...["id", "started_at", "duration_s", "server", "mode", "workers", "connections", "placement"],
  ...["port_range_min", "port_range_max", "rps", "p99_us", "over_stub_p99_us", "errors", "somaxconn"],
  ...["nofile", "overflows", "bound", "verdict", "failed_rules"],
];

/** The README's rows in base units (µs, requests/s, s), one header row; empty cells for what a record lacks. */
export function indexCsv(results: LoadedResult[]): string {
  const rows = results
    .map(indexRow)
    .map((x) =>
      [
        ...[x.id, x.startedAt, x.durationS, x.server, x.mode, x.workers, x.connections, x.placement],
        ...[x.portRange?.[0] ?? null, x.portRange?.[1] ?? null, x.rps, x.p99Us, x.overStubP99Us, x.errors],
        ...[x.somaxconn, x.nofile, x.overflows, x.bound, x.pass ? "PASS" : "FAIL", x.failed],
      ]
        .map(csvField)
        .join(","),
    );
  return `${[CSV_HEAD.join(","), ...rows].join("\n")}\n`;
}

/** results/README.md and results/index.csv from every run, each replaced whole (never half-written). */
export function rewriteIndex(resultsDir: string): void {
  mkdirSync(resultsDir, { recursive: true });
  const results = loadResults(resultsDir);
  writeAtomic(join(resultsDir, "README.md"), indexTable(results));
  writeAtomic(join(resultsDir, "index.csv"), indexCsv(results));
}
