// `make compare`'s record and table: one row per server (uWS and its peers), each peer's ratio to uWS.
import { ruleList } from "../contract/reasons.ts";
import type { Bound, Reason, ResultRecord } from "../contract/record.ts";
import { writeDirAtomic } from "../core/atomic.ts";
import { int, ms } from "../core/format.ts";
import { PEER_LABEL, type Peer } from "../processes/peer.ts";

export interface CompareRow {
  peer: Peer;
  label: string;
  /** results/<id>/ of its run; null when the run could not be made */
  resultId: string | null;
  skipped: string | null;
  pass: boolean | null;
  reasons: Reason[];
  rps: number | null;
  p99Us: number | null;
  overStubP99Us: number | null;
  errors: number | null;
  serverUsPerRequest: number | null;
  rssBytes: number | null;
  bound: Bound | null;
  /** this row ÷ the uWS row, per metric; null without a uWS run */
  vsUws: { rps: number; p99: number; cpuPerRequest: number; rss: number } | null;
}

export interface CompareRecord {
  schema: "compare/1";
  id: string;
  startedAt: string;
  settings: {
    workers: number;
    connections: number;
    mode: string;
    stubMs: number;
    budgetMs: number;
    targetRps: number;
    durationS: number;
    warmupS: number;
    threads: number;
  };
  rows: CompareRow[];
}

export function rowOf(peer: Peer, r: ResultRecord | null, skipped: string | null = null): CompareRow {
  const m = r?.measurements;
  return {
    peer,
    label: PEER_LABEL[peer],
    resultId: r?.id ?? null,
    skipped,
    pass: r ? r.verdict.pass : null,
    reasons: r?.verdict.reasons ?? [],
    rps: m?.rps ?? null,
    p99Us: m?.latencyUs.p99 ?? null,
    overStubP99Us: m?.overStubUs.p99 ?? null,
    errors: m ? Object.values(m.errors).reduce((a, v) => a + v, 0) : null,
    serverUsPerRequest: m?.cpu.serverUsPerRequest ?? null,
    rssBytes: m?.rssBytes ?? null,
    bound: r?.bound ?? null,
    vsUws: null,
  };
}

/** Fill each row's ratio to the uWS row (when there is one with a result). */
export function withRatios(rows: CompareRow[]): CompareRow[] {
  const u = rows.find((r) => r.peer === "uws" && r.resultId !== null);
  const div = (a: number | null, b: number | null | undefined): number =>
    a !== null && b !== null && b !== undefined && b !== 0 ? a / b : Number.NaN;
  return rows.map((r) => ({
    ...r,
    vsUws:
      u && r.resultId !== null
        ? {
            rps: div(r.rps, u.rps),
            p99: div(r.p99Us, u.p99Us),
            cpuPerRequest: div(r.serverUsPerRequest, u.serverUsPerRequest),
            rss: div(r.rssBytes, u.rssBytes),
          }
        : null,
  }));
}

const n = (x: number | null): string => (x === null ? "-" : int(x));
const x = (v: number | undefined): string =>
  v === undefined || !Number.isFinite(v) ? "-" : `${v.toFixed(2)}×`;

export function compareMarkdown(c: CompareRecord): string {
  const s = c.settings;
  const head = [
    `# Compare ${c.id}`,
    "",
    `Written by \`make compare\` — do not edit. The same stub (${s.stubMs} ms) on three servers, one after another: ` +
      `${s.workers} workers, ${s.connections.toLocaleString("en-US")} connections, ${s.mode}, ${s.durationS} s after a ${s.warmupS} s warm-up, ` +
      `wrk -t${s.threads} per shard; SLO p99 ≤ ${s.stubMs + s.budgetMs} ms, target ${s.targetRps.toLocaleString("en-US")} RPS. ` +
      "× uWS: the row's value ÷ uWS's (RPS: higher is better; p99, CPU, RSS: lower is better).",
    "",
    "| server | verdict | steady RPS | × uWS | p99 ms | × uWS | over-stub p99 ms | errors | server CPU µs/request | × uWS | server RSS MiB | × uWS | bound | result |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const rows = c.rows.map((r) => {
    const v = r.vsUws ?? undefined;
    const verdict = r.skipped
      ? `not run: ${r.skipped.replaceAll("|", "\\|")}`
      : r.pass
        ? "PASS"
        : `FAIL (${ruleList(r.reasons)})`;
    return `| ${[
      r.label,
      verdict,
      n(r.rps),
      x(v?.rps),
      ms(r.p99Us),
      x(v?.p99),
      ms(r.overStubP99Us),
      n(r.errors),
      r.serverUsPerRequest === null ? "-" : r.serverUsPerRequest.toFixed(1),
      x(v?.cpuPerRequest),
      r.rssBytes === null ? "-" : (r.rssBytes / 2 ** 20).toFixed(0),
      x(v?.rss),
      r.bound ?? "-",
      r.resultId ? `[${r.resultId}](../${r.resultId}/result.json)` : "-",
    ].join(" | ")} |`;
  });
  const notes = [
    "",
    "Peers serve a `/__lab/stats` of their own (server/peers/): node:http's counters are exact (summed over the cluster's workers " +
      "over IPC); FastAPI's are per-worker shared-memory counters, its responses include the few whose client had already gone.",
  ];
  return `${[...head, ...rows, ...notes].join("\n")}\n`;
}

/** results/compare-<id>/{compare.json, compare.md}, written into a dot-dir and renamed: whole or not at all. */
export function writeCompare(resultsDir: string, c: CompareRecord): string {
  return writeDirAtomic(resultsDir, `compare-${c.id}`, {
    "compare.json": `${JSON.stringify(c, null, 1)}\n`,
    "compare.md": compareMarkdown(c),
  });
}
