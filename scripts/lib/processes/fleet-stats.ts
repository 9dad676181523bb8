// A fleet's stats read as one server's: every server's admin socket summed, the LB's own answers and sessions added.
import { sumWorkers, type WorkerStats } from "../../../server/stats.ts";
import { haproxyClient } from "./haproxy-client.ts";
import { BACKEND, FRONTEND } from "./haproxy-config.ts";
import { mergeStatRows } from "./haproxy-merge.ts";
import { proxyRow, type StatRow, serverRows } from "./haproxy-stats.ts";
import { fetchLabStats, type LabStats } from "./lab-stats.ts";

/** Where a fleet's stats are read: the LB's stats socket and each server host's stats base, by name. */
export interface FleetSource {
  /** a stats socket per HAProxy process; their pids when the host shares this machine's (namespaces), else none */
  lb: { sockets: string[]; pids: number[]; host: string; address: string };
  servers: { name: string; base: string; address: string }[];
}

/** What a fleet reading adds to the summed stats: the LB's rows and each server's own stats. */
export interface FleetStats {
  /** HAProxy's processes; none: the LB runs on another machine (its CPU is not readable here) */
  lbPids: number[];
  /** its processes' rows summed (mergeStatRows) */
  lbRows: StatRow[];
  /** each process's client sessions so far (its frontend's total) */
  lbSessionsEach: number[];
  members: { name: string; stats: LabStats }[];
  /** answers the LB gave itself since it started (in the summed requests and responses: lbOwnAnswers) */
  lbOwn: number;
}

export type FleetLabStats = LabStats & { fleet: FleetStats };

const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"] as const;

/** Answers the LB gave itself (its rate limit's 429s, 503 with no server up): the frontend's less the servers'. */
export function lbOwnAnswers(rows: StatRow[]): Record<string, number> {
  const front = proxyRow(rows, FRONTEND, "frontend").hrsp;
  const servers = serverRows(rows, BACKEND);
  const own: Record<string, number> = {};
  for (const c of CLASSES) {
    const n = front[c] - servers.reduce((a, s) => a + s.hrsp[c], 0);
    if (n > 0) own[c] = n;
  }
  return own;
}

// NOTE: the fleet as the load sees it: the connections it holds are the LB's client sessions (HAProxy pools its
// server connections: the servers hold the requests in flight, not the clients'); the requests it sent are those
// the servers received plus those the LB answered itself, which count as non-2xx responses ("4xx", "5xx").
/** each: every HAProxy process's rows (one process: one list). */
export function sumFleet(each: StatRow[][], members: FleetStats["members"], lbPids: number[]): FleetLabStats {
  const rows = mergeStatRows(each);
  const first = members[0]?.stats;
  if (!first) throw new Error("a fleet without servers");
  const perWorker: WorkerStats[] = members.flatMap((m) => m.stats.perWorker);
  const restarts = members.reduce((a, m) => a + m.stats.restarts, 0);
  const total = sumWorkers(perWorker, { ...first, restarts, selfConnection: 0 });
  const own = lbOwnAnswers(rows);
  for (const [k, v] of Object.entries(own)) {
    total.responses[k] = (total.responses[k] ?? 0) + v;
    total.requests += v;
  }
  const front = proxyRow(rows, FRONTEND, "frontend");
  return {
    ...total,
    openConnections: front.scur,
    peakOpenConnections: front.smax,
    nativeUws: members.every((m) => m.stats.nativeUws),
    fleet: {
      ...{ lbPids, lbRows: rows, members },
      lbSessionsEach: each.map((r) => proxyRow(r, FRONTEND, "frontend").stot),
      lbOwn: Object.values(own).reduce((a, v) => a + v, 0),
    },
  };
}

/** Read every server and the LB now (in parallel) and sum them. */
export async function fetchFleetStats(src: FleetSource, timeoutMs = 3000): Promise<FleetLabStats> {
  const [each, ...stats] = await Promise.all([
    haproxyClient(src.lb.sockets, timeoutMs).statEach(),
    ...src.servers.map((s) => fetchLabStats(s.base, timeoutMs)),
  ]);
  const members = src.servers.map((s, i) => ({ name: s.name, stats: stats[i] as LabStats }));
  return sumFleet(each as StatRow[][], members, src.lb.pids);
}

/** Where a run reads its server's stats: one server's base (`http://…`, `unix:/…`) or a fleet's sockets. */
export type StatsSource = string | FleetSource;

/** One server's stats, or a fleet's summed (sumFleet). */
export function readStats(src: StatsSource, timeoutMs = 3000): Promise<LabStats> {
  return typeof src === "string" ? fetchLabStats(src, timeoutMs) : fetchFleetStats(src, timeoutMs);
}

/** For people: a stats source in one phrase. */
export const sourceText = (src: StatsSource): string =>
  typeof src === "string"
    ? src
    : `${src.servers.length} servers' admin sockets and ${src.lb.sockets.join(", ")}`;

/** The fleet part of a reading, when it is a fleet's. */
export const fleetOf = (s: LabStats): FleetStats | null => (s as Partial<FleetLabStats>).fleet ?? null;

/** Every server process (each host's primary and workers); a fleet's LB is not one of them. */
export function serverPidsOf(s: LabStats): number[] {
  const f = fleetOf(s);
  return f ? f.members.flatMap((m) => [m.stats.primaryPid, ...m.stats.pids]) : [s.primaryPid, ...s.pids];
}
