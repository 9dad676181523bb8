// A fleet run's summary lines: the LB as a side of its own, then a line per server host.
import type { FleetLbRow, FleetRecord, FleetServerRow } from "../contract/fleet.ts";
import { int, ms } from "../core/format.ts";
import { cpuSetText } from "../placement/cpus.ts";

const set = cpuSetText;
const NOT_HERE = "CPU not readable here (another machine)";

/** Answers the LB gave itself, "4xx 12 · 5xx 3", or "none". */
export function ownAnswersText(lb: FleetLbRow): string {
  const own = Object.entries(lb.ownAnswers).filter(([, v]) => v > 0);
  return own.length ? own.map(([k, v]) => `${k} ${int(v)}`).join(" · ") : "none";
}

export function lbText(lb: FleetLbRow): string {
  return `HAProxy ${lb.version} (${processText(lb)}, maxconn ${int(lb.maxconn)}) ${lbCpuText(lb)} · sessions ${int(lb.sessions)}${sessionsEachText(lb)} (peak ${(lb.processes ?? 1) > 1 ? "≤ " : ""}${int(lb.peakSessions)}) · queue peak ${int(lb.peakQueue)} · connection errors ${int(lb.connErrors)} · response errors ${int(lb.respErrors)} · retries ${int(lb.retries)} · redispatches ${int(lb.redispatches)} · DOWN transitions ${int(lb.healthTransitions)} · its own answers ${ownAnswersText(lb)} (rate limit denied ${int(lb.denied)})`;
}

/** "1 thread", "3 processes × 1 thread" */
function processText(lb: FleetLbRow): string {
  const k = lb.processes ?? 1;
  const threads = `${lb.nbthread} thread${lb.nbthread === 1 ? "" : "s"}`;
  return k === 1 ? threads : `${k} processes × ${threads}`;
}

/** "" for one process; " (2,990 / 3,010 per process)" for several. */
const sessionsEachText = (lb: FleetLbRow): string =>
  (lb.sessionsEach?.length ?? 0) > 1
    ? ` (${lb.sessionsEach?.map((x) => int(x)).join(" / ")} per process)`
    : "";

function lbCpuText(lb: FleetLbRow): string {
  if (lb.ofItsCpusPct === null || lb.usPerRequest === null) return `: ${NOT_HERE}`;
  return ` on ${set(lb.cpus)}: ${lb.ofItsCpusPct.toFixed(0)} % of them (${lb.usPerRequest.toFixed(1)} µs/request)`;
}

function serverCpuText(s: FleetServerRow): string {
  if (s.usPerRequest === null || s.runQueueWaitPct === null) return NOT_HERE;
  return `${s.usPerRequest.toFixed(1)} µs/request · run-queue wait ${s.runQueueWaitPct.toFixed(1)} %`;
}

export function serverText(s: FleetServerRow): string {
  const late = s.ownLateP99Us === null ? "" : ` · own lateness p99 ≤ ${ms(s.ownLateP99Us)} ms`;
  const cpus = s.cpus ? ` ${set(s.cpus)}` : "";
  return `${s.host} ${s.address}${cpus}: ${int(s.requests)} requests (${s.sharePct.toFixed(1)} %${s.checks === null ? "" : `; ${int(s.checks)} health checks apart`}) · non-2xx ${int(s.non2xx)} · ${serverCpuText(s)}${late} · at the LB: ${s.lb.status}, connection errors ${int(s.lb.connErrors)}, response errors ${int(s.lb.respErrors)}, DOWN ${int(s.lb.downs)}`;
}

export function fleetLines(f: FleetRecord | undefined): string[] {
  if (!f) return [];
  return [
    `  lb         ${lbText(f.lb)}`,
    ...f.servers.map((s, i) => `  ${i === 0 ? "servers   " : "          "} ${serverText(s)}`),
  ];
}
