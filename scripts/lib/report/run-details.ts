// The run page's footer: the exact wrk commands, where each side ran, the kernel tuning in force, the machine.
import type { ResultRecord } from "../contract/record.ts";
import { int } from "../core/format.ts";
import { formatCpuList } from "../placement/cpus.ts";
import { lbText, serverText } from "../results/fleet-summary.ts";
import { esc, facts } from "./html.ts";

const cpus = (c: number[] | null | undefined): string => (c ? formatCpuList(c) : "every CPU (not pinned)");
const val = (v: unknown): string => {
  if (v === null || v === undefined) return "not recorded";
  if (Array.isArray(v)) return v.join("–");
  return v === "" ? "none" : String(v);
};

function placementFacts(r: ResultRecord): [string, string][] {
  const pl = r.placement;
  if (!pl) return [["placement", "not recorded (before placements: both sides floated, as shared)"]];
  const rows: [string, string][] = [
    ["placement", pl.kind],
    ["server", `${pl.server.host} ${pl.server.address} · CPUs ${cpus(pl.server.cpus)}`],
    ...pl.generator.map((g, i): [string, string] => [
      `wrk host ${i + 1}`,
      `${g.host} · CPUs ${cpus(g.cpus)} · ${g.shards} shard(s) × -t${g.threads}`,
    ]),
  ];
  if (pl.startSkewUs !== undefined) rows.push(["shard start skew", `${val(pl.startSkewUs)} µs`]);
  if (pl.cpuUnknown?.length) rows.push(["CPU not readable here", pl.cpuUnknown.join(", ")]);
  return rows;
}

function generatorText(r: ResultRecord): string {
  const g = r.load.generator;
  if (!g) return r.machine.wrk ?? "not recorded";
  return `${g.versionLine} at ${g.path} — paced latency from the ${g.latencyFrom === "schedule" ? "scheduled slot" : "write"}`;
}

function machineFacts(r: ResultRecord): [string, string][] {
  const m = r.machine;
  return [
    ["CPUs", `${m.cpus} × ${m.model}`],
    ["RAM", `${(m.ramBytes / 2 ** 30).toFixed(1)} GiB`],
    ["kernel", m.kernel],
    ["node", m.node],
    ["wrk", generatorText(r)],
    ["git commit", `${r.git?.commit ?? "unknown"}${r.git?.dirty ? " (uncommitted changes)" : ""}`],
    ["server", `${r.server.impl ?? "uws"} · ${r.server.workers} workers · native uWS ${r.server.nativeUws}`],
    ["server RSS (peak)", `${int(r.measurements.rssBytes / 2 ** 20)} MiB`],
  ];
}

/** SERVERS=n: the LB as a side of its own, then a row per server host (the summary's words). */
function fleetHtml(r: ResultRecord): string {
  const f = r.fleet;
  if (!f) return "";
  const rows: [string, string][] = [
    ["load balancer", lbText(f.lb)],
    ...f.servers.map((s): [string, string] => [`server ${s.host}`, serverText(s)]),
  ];
  return `<h2 id="fleet">Fleet</h2>\n${facts(rows)}`;
}

export function detailsHtml(r: ResultRecord): string {
  const t = r.tuning ?? {};
  const tuning = Object.entries(t).map(([k, v]): [string, string] => [k, val(v)]);
  const l = r.load;
  return `<footer>
<h2>Commands</h2>
<p class="sub">${esc(l.shards)} wrk shard(s) (connections ${esc(l.shardConnections.map(int).join(" + "))}), warm-up ${esc(l.warmupS)} s (not recorded), timeout ${esc(l.timeoutS)} s:</p>
<pre id="commands">${esc(l.commands.join("\n"))}</pre>
<h2>Placement</h2>
${facts(placementFacts(r))}
${fleetHtml(r)}
<h2>Tuning in force</h2>
${tuning.length ? facts(tuning) : "<p>not recorded</p>"}
<h2>Machine</h2>
${facts(machineFacts(r))}
<p class="sub">Run ${esc(r.id)}, started ${esc(r.startedAt)}. Generated from result.json by <code>make report ID=${esc(r.id)}</code>.</p>
</footer>`;
}
