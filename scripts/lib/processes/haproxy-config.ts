// HAProxy's config for the lab's fleet: configs/haproxy/haproxy.cfg.tmpl filled from a typed spec (pure).
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";

export const HAPROXY_TEMPLATE = join(ROOT, "configs", "haproxy", "haproxy.cfg.tmpl");

/** The proxy names in the template: `show stat` rows and socket commands name them. */
export const FRONTEND = "lab";
export const BACKEND = "servers";

export interface LbServer {
  /** [a-z0-9_-], unique: the name in `show stat` and in `disable server servers/<name>` */
  name: string;
  address: string;
  port: number;
}

export interface RateLimit {
  /** a client (source IP) sending more than this many requests per window is answered 429 */
  requests: number;
  windowS: number;
}

export interface HaproxySpec {
  bind: { address: string; port: number };
  servers: LbServer[];
  /** client connections the LB must hold: sizes maxconn */
  connections: number;
  nbthread: number;
  /** the admin-level stats socket (a lab-private path) */
  statsSocket: string;
  stubMs?: number;
  /** health check period while a server is UP (and while DOWN), and during a transition (fastinter) */
  checkInterMs?: number;
  checkFastInterMs?: number;
  /** consecutive failed / passed checks to mark a server DOWN / UP */
  fall?: number;
  rise?: number;
  /**
   * passive health: this many consecutive failed requests (connection or response errors on real traffic) mark a
   * server DOWN at once, without waiting for its checks; null = checks only
   */
  markDownAfterErrors?: number | null;
  /** longest idle gap of a client connection the LB keeps it open through */
  clientIdleMs?: number;
  rateLimit?: RateLimit | null;
}

export interface HaproxyLimits {
  /** global and frontend maxconn: every client connection plus a margin for reconnects */
  maxconn: number;
  /** per server: concurrent requests sent to it before HAProxy queues (one per client connection: never binds) */
  serverMaxconn: number;
  /** fds HAProxy needs at that maxconn: a client socket and a server socket per session, plus checks and listeners */
  fdNeed: number;
}

/** maxconn from the connections: a 5 % margin (at least 64) for connections a client reopens. */
export function haproxyLimits(connections: number, servers: number): HaproxyLimits {
  const maxconn = connections + Math.max(64, Math.ceil(connections * 0.05));
  // NOTE: with http-reuse the server side holds about the requests in flight, but a burst can need one per
  // client connection: the fd budget counts the worst case, as HAProxy's own maxsock does.
  return { maxconn, serverMaxconn: connections, fdNeed: 2 * maxconn + servers + 32 };
}

/** Replace every {{key}}; a key without a value, or a value never used, is a bug in the caller or the template. */
export function fillTemplate(text: string, values: Record<string, string>): string {
  const used = new Set<string>();
  const out = text.replace(/\{\{(\w+)\}\}/g, (_, k: string) => {
    const v = values[k];
    if (v === undefined) throw new Error(`haproxy template: no value for {{${k}}}`);
    used.add(k);
    return v;
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`haproxy template: never uses ${unused.join(", ")}`);
  return out;
}

const NAME_RE = /^[a-z0-9_-]{1,32}$/;

function posInt(what: string, v: number, max = 10_000_000): number {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    throw new InvalidRun(`haproxy: ${what} must be an integer from 1 to ${max}, got ${v}`);
  }
  return v;
}

/** `addr:port` as HAProxy reads it (ipv6@ makes the last colon the port's); only IP literals. */
export function haproxyAddress(address: string, port: number): string {
  const v = isIP(address);
  if (v === 0) throw new InvalidRun(`haproxy: ${address} is not an IP address (the lab uses literals only)`);
  posInt(`port of ${address}`, port, 65535);
  return v === 6 ? `ipv6@${address}:${port}` : `${address}:${port}`;
}

function serverLines(servers: LbServer[]): string {
  if (servers.length === 0) throw new InvalidRun("haproxy: the backend needs at least one server");
  const names = new Set<string>();
  return servers
    .map((s) => {
      if (!NAME_RE.test(s.name) || names.has(s.name)) {
        throw new InvalidRun(`haproxy: server name ${JSON.stringify(s.name)} must be unique, [a-z0-9_-]`);
      }
      names.add(s.name);
      return `    server ${s.name} ${haproxyAddress(s.address, s.port)}\n`;
    })
    .join("");
}

// NOTE: per client = per source IP: every wrk shard of one client namespace shares its limit. The table
// keeps an entry twice the window after a client's last request; 100k entries cover any lab fleet.
// NOTE: the counter (gpc0) counts only the requests let through, so a client over the limit still gets
// `requests` per window answered, as nginx's limit_req does (seed 004). The usual sc_http_req_rate counts
// the denied requests too: a client above the limit would then be refused everything until it slows down.
function rateLimitLines(r: RateLimit | null | undefined): string {
  if (!r) return "";
  posInt("rateLimit.requests", r.requests);
  posInt("rateLimit.windowS", r.windowS, 3600);
  return [
    `    stick-table type ip size 100k expire ${2 * r.windowS}s store gpc0_rate(${r.windowS}s)`,
    "    http-request track-sc0 src",
    `    http-request deny deny_status 429 if { sc_gpc0_rate(0) ge ${r.requests} }`,
    "    http-request sc-inc-gpc0(0)",
    "",
  ].join("\n");
}

// NOTE: layer7 counts connection errors, timeouts and invalid or empty responses; consecutive ones only.
function observeText(errors: number | null | undefined): string {
  if (errors === null || errors === undefined) return "";
  return ` observe layer7 error-limit ${posInt("markDownAfterErrors", errors, 1000)} on-error mark-down`;
}

/** The config text for spec (template: the file's text, for tests). */
export function renderHaproxyConfig(spec: HaproxySpec, template?: string): string {
  posInt("connections", spec.connections);
  posInt("nbthread", spec.nbthread, 64);
  if (!spec.statsSocket.startsWith("/") || /\s/.test(spec.statsSocket)) {
    throw new InvalidRun(`haproxy: the stats socket must be an absolute path without spaces`);
  }
  const lim = haproxyLimits(spec.connections, spec.servers.length);
  const stubMs = spec.stubMs ?? 200;
  const inter = posInt("checkInterMs", spec.checkInterMs ?? 1000, 60_000);
  const values: Record<string, string> = {
    nbthread: String(spec.nbthread),
    maxconn: String(lim.maxconn),
    statsSocket: spec.statsSocket,
    stubMs: String(stubMs),
    connectTimeoutMs: "1000",
    serverTimeoutMs: String(Math.max(5000, 10 * stubMs)),
    clientTimeoutMs: String(posInt("clientIdleMs", spec.clientIdleMs ?? 30_000)),
    queueTimeoutMs: "2000",
    checkTimeoutMs: String(Math.min(1000, inter)),
    bind: haproxyAddress(spec.bind.address, spec.bind.port),
    rateLimit: rateLimitLines(spec.rateLimit),
    checkInterMs: String(inter),
    checkFastInterMs: String(posInt("checkFastInterMs", spec.checkFastInterMs ?? 200, 60_000)),
    fall: String(posInt("fall", spec.fall ?? 2, 100)),
    rise: String(posInt("rise", spec.rise ?? 2, 100)),
    serverMaxconn: String(lim.serverMaxconn),
    observe: observeText(spec.markDownAfterErrors),
    servers: serverLines(spec.servers),
  };
  return fillTemplate(template ?? readFileSync(HAPROXY_TEMPLATE, "utf8"), values);
}
