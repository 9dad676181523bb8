// A diff for people (the side-by-side table, the thresholds' judgement) and for machines (--json, base units).
import { int, textTable } from "../core/format.ts";
import { METRIC, show, showDelta, UNIT } from "./metrics.ts";
import type { Diff, Shape } from "./rows.ts";
import type { Checked } from "./thresholds.ts";

/** "paced · 200 conns · 200 req/s · 2 workers · stub 200 ms · 3 s · split · lab wrk e03e287e6f33" */
export function shapeText(s: Shape): string {
  const rate = s.mode === "paced" ? ` · ${int(s.targetRps)} req/s` : "";
  const impl = s.server === "uws" ? "" : ` · ${s.server}`;
  const fleet = s.servers > 0 ? ` (${s.servers} servers behind HAProxy)` : "";
  return `${s.mode} · ${int(s.connections)} conns${rate} · ${s.workers} workers · stub ${s.stubMs} ms · ${s.durationS} s · ${s.placement}${fleet}${impl} · ${s.generator}`;
}

function pct(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "-";
  const text = Math.abs(x).toFixed(1);
  return `${text === "0.0" ? "" : x > 0 ? "+" : "−"}${text} %`;
}

/** "p99<+5%: B 230.1 ms < 210.4 ms (A + 5 %)" */
function checkedLine(c: Checked): string {
  const kind = METRIC[c.metric].kind;
  const unit = UNIT[kind] ? ` ${UNIT[kind]}` : "";
  const basis = c.pct !== null ? ` (A ${c.pct >= 0 ? "+" : "−"} ${Math.abs(c.pct)} %)` : "";
  const word = c.pass ? "ok        " : "REGRESSION";
  return `  ${word}  ${c.text}: B ${show(kind, c.b)}${unit} ${c.pass ? "" : "not "}${c.op} ${show(kind, c.limit)}${unit}${basis}`;
}

export function diffText(d: Diff): string {
  const rows = [...d.rows, ...(d.perServer ?? [])].map((r) => {
    const unit = UNIT[r.kind] ? ` (${UNIT[r.kind]})` : "";
    return [
      `${r.label}${unit}`,
      show(r.kind, r.a),
      show(r.kind, r.b),
      showDelta(r.kind, r.delta),
      pct(r.deltaPct),
    ];
  });
  const text = d.text.map((t) => [t.label, t.a, t.b, t.changed ? "changed" : "same", ""]);
  const lines = [`A  ${d.a.id}  ${shapeText(d.a.shape)}`, `B  ${d.b.id}  ${shapeText(d.b.shape)}`];
  if (d.shapeDiffers.length > 0)
    lines.push(
      `warning: not the same shape (${d.shapeDiffers.map((k) => `${k} ${d.a.shape[k]} → ${d.b.shape[k]}`).join(", ")}): the deltas mix the change with the shape`,
    );
  lines.push("", textTable(["", "A", "B", "B − A", "B vs A"], [...rows, ...text]));
  if (d.thresholds.length === 0) lines.push("", "thresholds: none (THRESHOLDS=none): no judgement, exit 0");
  else lines.push("", "thresholds (B against A):", ...d.thresholds.map(checkedLine));
  return `${lines.join("\n")}\n`;
}

/** The machine-readable diff: every value in base units (µs, requests/s, counts, CPU µs per request). */
export function diffJson(d: Diff): string {
  return `${JSON.stringify(d, null, 1)}\n`;
}
