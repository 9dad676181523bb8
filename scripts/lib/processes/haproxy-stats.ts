// HAProxy's stats socket answers, typed: `show stat` CSV → one row per proxy/server, `show info` → the process (pure).

export type StatKind = "frontend" | "backend" | "server" | "listener";

export interface StatRow {
  proxy: string;
  /** FRONTEND, BACKEND, or the server's name */
  name: string;
  kind: StatKind;
  /** "UP", "DOWN", "OPEN", "MAINT", "UP 1/2" (going down), "DOWN 1/2" (coming up), "no check", "" … */
  status: string;
  /** UP, or UP and counting failed checks toward DOWN: still taking traffic */
  up: boolean;
  /** sessions: now, peak, limit, total */
  scur: number;
  smax: number;
  slim: number;
  stot: number;
  /** queued requests: now and peak */
  qcur: number;
  qmax: number;
  /** requests denied (the rate limit), request errors, connection errors, response errors */
  dreq: number;
  ereq: number;
  econ: number;
  eresp: number;
  /** retries and redispatches to another server */
  wretr: number;
  wredis: number;
  /** failed checks, UP→DOWN transitions, seconds since the last change of state, seconds spent DOWN */
  chkfail: number;
  chkdown: number;
  lastchgS: number | null;
  downtimeS: number | null;
  /** times the server was chosen by the balancer */
  lbtot: number;
  /** HTTP responses by class (to clients for a frontend, from the server for a server) */
  hrsp: { "1xx": number; "2xx": number; "3xx": number; "4xx": number; "5xx": number; other: number };
  reqTot: number;
  /** sessions aborted by the client / by the server side */
  cliAbrt: number;
  srvAbrt: number;
  /** the last health check: L7OK, L4CON, L4TOUT, … ("" without checks) */
  checkStatus: string;
  checkDurationMs: number | null;
  /** averages over the last 1024 requests (ms): queue, connect, response, total */
  qtimeMs: number;
  ctimeMs: number;
  rtimeMs: number;
  ttimeMs: number;
}

const KINDS: StatKind[] = ["frontend", "backend", "server", "listener"];

function fail(msg: string): never {
  throw new Error(`haproxy show stat: ${msg}`);
}

/** "12" → 12, "" → null; anything else is not a stats field. */
function optNum(v: string | undefined, field: string): number | null {
  if (v === undefined || v === "") return null;
  const n = Number(v);
  if (!Number.isFinite(n)) fail(`${field} is not a number: ${JSON.stringify(v)}`);
  return n;
}

function rowOf(get: (f: string) => string | undefined): StatRow {
  const n = (f: string): number => optNum(get(f), f) ?? 0;
  const kind = KINDS[n("type")];
  if (kind === undefined) fail(`unknown type ${get("type")}`);
  const status = get("status") ?? "";
  return {
    ...{ proxy: get("pxname") ?? "", name: get("svname") ?? "", kind, status },
    up: /^UP\b/.test(status),
    ...{
      scur: n("scur"),
      smax: n("smax"),
      slim: n("slim"),
      stot: n("stot"),
      qcur: n("qcur"),
      qmax: n("qmax"),
    },
    ...{ dreq: n("dreq"), ereq: n("ereq"), econ: n("econ"), eresp: n("eresp") },
    ...{ wretr: n("wretr"), wredis: n("wredis"), chkfail: n("chkfail"), chkdown: n("chkdown") },
    lastchgS: optNum(get("lastchg"), "lastchg"),
    downtimeS: optNum(get("downtime"), "downtime"),
    lbtot: n("lbtot"),
    hrsp: {
      ...{ "1xx": n("hrsp_1xx"), "2xx": n("hrsp_2xx"), "3xx": n("hrsp_3xx") },
      ...{ "4xx": n("hrsp_4xx"), "5xx": n("hrsp_5xx"), other: n("hrsp_other") },
    },
    ...{ reqTot: n("req_tot"), cliAbrt: n("cli_abrt"), srvAbrt: n("srv_abrt") },
    checkStatus: get("check_status") ?? "",
    checkDurationMs: optNum(get("check_duration"), "check_duration"),
    ...{ qtimeMs: n("qtime"), ctimeMs: n("ctime"), rtimeMs: n("rtime"), ttimeMs: n("ttime") },
  };
}

// NOTE: the header line is "# pxname,svname,…" and every line ends with a comma; fields are looked up by the
// header's names, so columns HAProxy adds in later versions change nothing. No field of these rows holds a comma.
/** Every row of `show stat` (frontends, backends, servers, listeners) in the order HAProxy printed them. */
export function parseShowStat(csv: string): StatRow[] {
  const lines = csv.split("\n").filter((l) => l.trim() !== "");
  const head = lines[0];
  if (head === undefined || !head.startsWith("# ")) fail("no header line (# pxname,svname,…)");
  const fields = head.slice(2).split(",");
  if (fields[0] !== "pxname" || !fields.includes("hrsp_2xx")) fail("unexpected header");
  return lines.slice(1).map((l) => {
    const cells = l.split(",");
    return rowOf((f) => cells[fields.indexOf(f)]);
  });
}

/** The server rows of one backend. */
export function serverRows(rows: StatRow[], backend: string): StatRow[] {
  return rows.filter((r) => r.kind === "server" && r.proxy === backend);
}

/** One proxy's FRONTEND or BACKEND row; throws when it is absent (a config without that proxy). */
export function proxyRow(rows: StatRow[], proxy: string, kind: "frontend" | "backend"): StatRow {
  const r = rows.find((x) => x.kind === kind && x.proxy === proxy);
  if (!r) fail(`no ${kind} row for ${proxy}`);
  return r;
}

export interface HaproxyInfo {
  version: string;
  pid: number;
  nbthread: number;
  uptimeS: number;
  /** share of the last polling interval the threads were idle (100 − this ≈ its busy share) */
  idlePct: number;
  maxconn: number;
  maxsock: number;
  ulimitN: number;
  currConns: number;
  cumConns: number;
  cumReq: number;
  /** every field as HAProxy printed it */
  raw: Record<string, string>;
}

/** `show info`: "Name: value" lines. */
export function parseShowInfo(text: string): HaproxyInfo {
  const raw: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) raw[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  const num = (k: string): number => {
    const n = Number(raw[k]);
    if (raw[k] === undefined || raw[k] === "" || !Number.isFinite(n)) {
      throw new Error(`haproxy show info: ${k} missing or not a number (${JSON.stringify(raw[k])})`);
    }
    return n;
  };
  return {
    version: raw.Version ?? "",
    ...{ pid: num("Pid"), nbthread: num("Nbthread"), uptimeS: num("Uptime_sec"), idlePct: num("Idle_pct") },
    ...{ maxconn: num("Maxconn"), maxsock: num("Maxsock"), ulimitN: num("Ulimit-n") },
    ...{ currConns: num("CurrConns"), cumConns: num("CumConns"), cumReq: num("CumReq") },
    raw,
  };
}
