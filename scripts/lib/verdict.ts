// The lab contract's pass/fail rules: every failed rule is a reason, not just the first.
import type { Measurements, Verdict } from "./record.ts";
import type { Slo } from "./slo.ts";

const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

export function judge(m: Measurements, slo: Slo, connections: number): Verdict {
  const reasons: string[] = [];
  const floor = slo.targetRps * (1 - slo.rpsTolerancePct / 100);
  if (!(m.rps >= floor)) {
    reasons.push(
      `rps: steady ${fmt(m.rps)} req/s < target ${fmt(slo.targetRps)} − ${slo.rpsTolerancePct} % (whole run ${fmt(m.rpsWholeRun)})`,
    );
  }
  const e = m.errors;
  const errs = Object.entries(e).filter(([, v]) => v > 0);
  if (errs.length > 0) reasons.push(`errors: ${errs.map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}`);
  const limitUs = (slo.stubMs + slo.overheadBudgetMs) * 1000;
  if (!(m.judgedUs <= limitUs) || m.requests === 0) {
    reasons.push(
      `latency: p${slo.percentile} ${fmt(m.judgedUs)} µs > ${fmt(limitUs)} µs (stub ${slo.stubMs} + budget ${slo.overheadBudgetMs} ms)`,
    );
  }
  // NOTE: no pipelining, so at most one request per connection is in flight when wrk stops: the server
  // may count up to `connections` more than the client; never fewer (that load went to someone else).
  const d = m.serverCounted.difference;
  if (d < 0 || d > connections) {
    reasons.push(
      `crosscheck: server received ${fmt(m.serverCounted.requests)}, client completed ${fmt(m.requests)} (difference ${fmt(d)} outside 0..${fmt(connections)})`,
    );
  }
  if (m.connectionsEstablished < connections) {
    reasons.push(`connections: ${fmt(m.connectionsEstablished)} of ${fmt(connections)} established`);
  }
  const overflows =
    (m.kernel.netstatDelta["TcpExt.ListenOverflows"] ?? 0) +
    (m.kernel.netstatDelta["TcpExt.ListenDrops"] ?? 0);
  if (overflows > 0)
    reasons.push(
      `listen-overflow: the kernel dropped ${fmt(overflows)} connection attempts (ListenOverflows + ListenDrops)`,
    );
  return { pass: reasons.length === 0, reasons };
}
