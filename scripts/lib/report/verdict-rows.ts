// The header's verdict table: every rule of the lab contract, what it requires and what this run measured.
import { namedPct, p99Parts, partText } from "../contract/p99-parts.ts";
import { RULES } from "../contract/reasons.ts";
import type { ResultRecord, Rule } from "../contract/record.ts";
import { int, ms } from "../core/format.ts";

export interface RuleRow {
  rule: Rule;
  requirement: string;
  measured: string;
  pass: boolean;
  /** the recorded reason when the rule failed */
  detail: string | null;
}

type Explain = (r: ResultRecord) => { requirement: string; measured: string };

// NOTE: pass/fail is the recorded verdict's (its reasons), never judged again here; this only lays the numbers beside it.
const EXPLAIN: Record<Rule, Explain> = {
  rps: (r) => {
    const tol = r.slo.rpsTolerancePct ?? 0;
    const floor = r.slo.targetRps * (1 - tol / 100);
    const m = r.measurements;
    return {
      requirement: `steady 2xx RPS ≥ ${int(floor)} (target ${int(r.slo.targetRps)} − ${tol} %)`,
      measured: `${int(m.rps)} steady${m.steadyWindow ? ` (${m.steadyWindow.fromS}–${m.steadyWindow.toS} s)` : ""}, ${int(m.rpsWholeRun)} whole run`,
    };
  },
  errors: (r) => {
    const e = r.measurements.errors;
    return {
      requirement: "no connect, read, write, timeout or non-2xx error",
      measured: `connect ${int(e.connect)} · read ${int(e.read)} · write ${int(e.write)} · timeout ${int(e.timeout)} · status ${int(e.status)} · non-2xx ${int(e.non2xx ?? 0)}`,
    };
  },
  latency: (r) => ({
    requirement: `p${r.slo.percentile} ≤ ${r.slo.stubMs + r.slo.overheadBudgetMs} ms (stub ${r.slo.stubMs} + budget ${r.slo.overheadBudgetMs})`,
    measured: `p${r.slo.percentile} ${ms(r.measurements.judgedUs ?? r.measurements.latencyUs.p99)} ms (${int(r.measurements.requests)} requests)${p99PartsText(r)}`,
  }),
  crosscheck: (r) => {
    const s = r.measurements.serverCounted;
    return {
      requirement: `server's count − client's within 0..${int(r.load.connections)} (in flight at the end)`,
      measured: s
        ? `server ${int(s.requests)} − client ${int(r.measurements.requests)} = ${int(s.difference)}`
        : "not recorded",
    };
  },
  connections: (r) => ({
    requirement: `all ${int(r.load.connections)} connections established`,
    measured: `${int(r.measurements.connectionsEstablished)} established`,
  }),
  "listen-overflow": (r) => {
    const d = r.measurements.kernel?.netstatDelta;
    const n = (d?.["TcpExt.ListenOverflows"] ?? 0) + (d?.["TcpExt.ListenDrops"] ?? 0);
    return {
      requirement: "the kernel dropped no connection attempt (ListenOverflows + ListenDrops = 0)",
      measured: d ? `${int(n)} dropped` : "not recorded",
    };
  },
};

// NOTE: the p99 over the stub beside its parts, each at its own p99: they overlap, so they are not a sum.
function p99PartsText(r: ResultRecord): string {
  const m = r.measurements;
  const parts = p99Parts(m).map(partText);
  const named = namedPct(m);
  const from = m.latencyFrom === "schedule" ? "from the schedule" : "from the write";
  const share = named === null ? "" : ` (together ${named.toFixed(0)} % of it)`;
  return `; over the stub ${ms(m.overStubUs.p99)} ms ${from}${parts.length ? ` — parts at their own p99: ${parts.join(", ")}${share}` : ""}`;
}

export function ruleRows(r: ResultRecord): RuleRow[] {
  return RULES.map((rule) => {
    const failed = r.verdict.reasons.find((x) => x.rule === rule);
    return { rule, ...EXPLAIN[rule](r), pass: !failed, detail: failed?.detail ?? null };
  });
}
