// Several HAProxy processes on one port read as one LB: their `show stat` rows and `show info` summed (pure).
import type { HaproxyInfo, StatRow } from "./haproxy-stats.ts";

const SUMMED = [
  ...["scur", "smax", "slim", "stot", "qcur", "qmax", "dreq", "ereq", "econ", "eresp"],
  ...["wretr", "wredis", "chkfail", "lbtot", "reqTot", "cliAbrt", "srvAbrt"],
] as const;

/** "UP" when every process says so; else each status once, "UP+DOWN". */
const joined = (xs: string[]): string => [...new Set(xs)].join("+");

// NOTE: k HAProxy processes sharing the port (SO_REUSEPORT) each keep their own counters, checks and states: the
// LB's view is their sum. A server is up while any process still sends it traffic, so it is down (downtime) only
// while every process has it down; one server lost is one DOWN transition of the LB, not one per process (the most
// any process counted). Peaks (smax, qmax) summed are an upper bound of the joint peak ("≤" in the summary); the
// 1024-request averages are weighted by each process's requests.
/** One process's rows from several's: counters summed by proxy, name and kind (the first process's order). */
export function mergeStatRows(perProcess: readonly StatRow[][]): StatRow[] {
  const [first, ...rest] = perProcess;
  if (!first) return [];
  if (rest.length === 0) return first;
  return first.map((r) => {
    const same = perProcess.map(
      (rows) => rows.find((x) => x.kind === r.kind && x.proxy === r.proxy && x.name === r.name) ?? r,
    );
    const sum = (f: (x: StatRow) => number): number => same.reduce((a, x) => a + f(x), 0);
    const reqs = sum((x) => x.reqTot);
    const mean = (f: (x: StatRow) => number): number =>
      reqs > 0 ? sum((x) => f(x) * x.reqTot) / reqs : sum(f) / same.length;
    const nums = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null);
    const out: StatRow = { ...r, status: joined(same.map((x) => x.status)), up: same.some((x) => x.up) };
    for (const k of SUMMED) out[k] = sum((x) => x[k]);
    out.chkdown = Math.max(...same.map((x) => x.chkdown));
    for (const c of Object.keys(r.hrsp) as (keyof StatRow["hrsp"])[])
      out.hrsp = { ...out.hrsp, [c]: sum((x) => x.hrsp[c]) };
    const changed = nums(same.map((x) => x.lastchgS));
    const down = nums(same.map((x) => x.downtimeS));
    const check = nums(same.map((x) => x.checkDurationMs));
    return {
      ...out,
      ...{
        lastchgS: changed.length ? Math.min(...changed) : null,
        downtimeS: down.length ? Math.min(...down) : null,
      },
      ...{
        checkStatus: joined(same.map((x) => x.checkStatus)),
        checkDurationMs: check.length ? Math.max(...check) : null,
      },
      ...{ qtimeMs: mean((x) => x.qtimeMs), ctimeMs: mean((x) => x.ctimeMs) },
      ...{ rtimeMs: mean((x) => x.rtimeMs), ttimeMs: mean((x) => x.ttimeMs) },
    };
  });
}

/** Several processes' `show info` as one LB's: connection and request counts and limits summed, the first's pid. */
export function mergeShowInfo(infos: readonly HaproxyInfo[]): HaproxyInfo & { processes: number } {
  const [first] = infos;
  if (!first) throw new Error("haproxy show info: no process answered");
  const sum = (k: "maxconn" | "maxsock" | "ulimitN" | "currConns" | "cumConns" | "cumReq"): number =>
    infos.reduce((a, x) => a + x[k], 0);
  return {
    ...first,
    ...{ maxconn: sum("maxconn"), maxsock: sum("maxsock"), ulimitN: sum("ulimitN") },
    ...{ currConns: sum("currConns"), cumConns: sum("cumConns"), cumReq: sum("cumReq") },
    idlePct: infos.reduce((a, x) => a + x.idlePct, 0) / infos.length,
    processes: infos.length,
  };
}
