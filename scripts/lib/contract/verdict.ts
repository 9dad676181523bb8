// The lab contract's pass/fail rules: every failed rule is a reason, not just the first.

import { int } from "../core/format.ts";
import type { Slo } from "../core/slo.ts";
import type { Measurements, Reason, Verdict } from "./record.ts";

export function judge(m: Measurements, slo: Slo, connections: number): Verdict {
  const reasons: Reason[] = [];
  const floor = slo.targetRps * (1 - slo.rpsTolerancePct / 100);
  if (!(m.rps >= floor)) {
    reasons.push({
      rule: "rps",
      detail: `steady ${int(m.rps)} req/s < target ${int(slo.targetRps)} − ${slo.rpsTolerancePct} % (whole run ${int(m.rpsWholeRun)})`,
    });
  }
  const errs = Object.entries(m.errors).filter(([, v]) => v > 0);
  if (errs.length > 0)
    reasons.push({ rule: "errors", detail: errs.map(([k, v]) => `${k} ${int(v)}`).join(", ") });
  const limitUs = (slo.stubMs + slo.overheadBudgetMs) * 1000;
  if (!(m.judgedUs <= limitUs) || m.requests === 0) {
    reasons.push({
      rule: "latency",
      detail: `p${slo.percentile} ${int(m.judgedUs)} µs > ${int(limitUs)} µs (stub ${slo.stubMs} + budget ${slo.overheadBudgetMs} ms)`,
    });
  }
  // NOTE: no pipelining, so at most one request per connection is in flight when wrk stops: the server
  // may count up to `connections` more than the client; never fewer (that load went to someone else).
  const d = m.serverCounted.difference;
  if (d < 0 || d > connections) {
    reasons.push({
      rule: "crosscheck",
      detail: `server received ${int(m.serverCounted.requests)}, client completed ${int(m.requests)} (difference ${int(d)} outside 0..${int(connections)})`,
    });
  }
  if (m.connectionsEstablished < connections) {
    reasons.push({
      rule: "connections",
      detail: `${int(m.connectionsEstablished)} of ${int(connections)} established`,
    });
  }
  const overflows =
    (m.kernel.netstatDelta["TcpExt.ListenOverflows"] ?? 0) +
    (m.kernel.netstatDelta["TcpExt.ListenDrops"] ?? 0);
  if (overflows > 0) {
    reasons.push({
      rule: "listen-overflow",
      detail: `the kernel dropped ${int(overflows)} connection attempts (ListenOverflows + ListenDrops)`,
    });
  }
  return { pass: reasons.length === 0, reasons };
}
