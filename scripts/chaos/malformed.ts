// Scenario: malformed requests — each answered 4xx or closed, no crash, /healthz fine, stats consistent.
import { withLabServer } from "../lib/chaos/procs.ts";
import { type Exchange, exchange, getOnce } from "../lib/chaos/raw.ts";
import { at, type ChaosContext, consistent, ms, n, type Scenario, stats } from "../lib/chaos/scenario.ts";

// NOTE: uWS holds a request it cannot parse until its idle timeout (10 s, checked on a 4 s tick: closes
// measured at ~12 s), so the verdict waits 14 s for those; the JS handler never sees them.
const WAIT_MS = 14_000;

type Expect = "4xx" | "close" | "all-200" | "200-or-close";

interface Case {
  name: string;
  payload: string | Buffer;
  expect: Expect;
}

const req = (extra: string, path = "/healthz"): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`;
const headers = (count: number, size: number): string =>
  Array.from({ length: count }, (_, i) => `X-H${i}: ${"v".repeat(size)}\r\n`).join("");
const garbage = (len: number): Buffer =>
  Buffer.from(Array.from({ length: len }, (_, i) => (i * 7919 + 13) % 256));

export const CASES: Case[] = [
  { name: "bad request line", payload: "HELLO WORLD\r\n\r\n", expect: "close" },
  { name: "invalid method", payload: "G@T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", expect: "close" },
  { name: "header without colon", payload: req("Host-x\r\n"), expect: "close" },
  { name: "header of 5 KiB", payload: req(`X-Big: ${"a".repeat(5 * 1024)}\r\n`), expect: "4xx" },
  // NOTE: usually the handler's 431; about 1 run in 3 under CPU contention uWS itself closes the connection
  // at once without an answer (seen in `make test` on the old and the new code alike) — refused either way.
  {
    name: "headers of 64 KiB on /ping",
    payload: req(`X-Big: ${"a".repeat(64 * 1024)}\r\n`, "/ping"),
    expect: "close",
  },
  { name: "header of 300 KiB", payload: req(`X-Big: ${"a".repeat(300 * 1024)}\r\n`), expect: "close" },
  { name: "40 headers, 6 KiB", payload: req(headers(40, 150)), expect: "4xx" },
  { name: "60 headers", payload: req(headers(60, 8)), expect: "close" },
  { name: "5,000 headers", payload: req(headers(5000, 8)), expect: "close" },
  {
    name: "URL of 10 KiB",
    payload: `GET /healthz?q=${"a".repeat(10 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    expect: "4xx",
  },
  {
    name: "path of 3 KiB",
    payload: `GET /${"p".repeat(3 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    expect: "4xx",
  },
  { name: "body on GET", payload: req("Content-Length: 5\r\n").concat("hello"), expect: "4xx" },
  {
    name: "chunked body on GET",
    payload: req("Transfer-Encoding: chunked\r\n", "/ping").concat("5\r\nhello\r\n0\r\n\r\n"),
    expect: "4xx",
  },
  { name: "binary garbage", payload: garbage(4096), expect: "close" },
  { name: "NUL in header", payload: req("X-Nul: a\u0000b\r\n"), expect: "close" },
  { name: "HTTP/1.0 without Host", payload: "GET /healthz HTTP/1.0\r\n\r\n", expect: "close" },
  { name: "100 pipelined /healthz", payload: req("").repeat(100), expect: "all-200" },
  // NOTE: uWS closes a connection that pipelines a request behind a pending (async) response.
  { name: "20 pipelined /ping", payload: req("", "/ping").repeat(20), expect: "200-or-close" },
];

// NOTE: "4xx" cases are the handler's own limits (request-limits.ts) and need the status; "close" cases
// never reach JS — uWS closes them — and pass with a 4xx or a close.
function verdict(c: Case, x: Exchange): boolean {
  const closed = x.closedAfterMs !== null;
  const all4xx = x.statuses.length > 0 && x.statuses.every((s) => s >= 400 && s < 500);
  if (c.expect === "4xx") return all4xx;
  if (c.expect === "close") return all4xx || (x.statuses.length === 0 && closed);
  if (c.expect === "all-200") return x.statuses.length === 100 && x.statuses.every((s) => s === 200);
  return x.statuses.every((s) => s === 200) && (x.statuses.length === 20 || closed);
}

function describe(x: Exchange | undefined): string {
  if (!x) return "?";
  const st =
    x.statuses.length > 1 ? `${x.statuses.length}×${x.statuses[0]}` : String(x.statuses[0] ?? "no answer");
  return `${st}, ${x.closedAfterMs === null ? "left open" : `closed at ${Math.round(x.closedAfterMs)} ms`}`;
}

export const malformed: Scenario = {
  name: "malformed-input",
  async run(ctx: ChaosContext) {
    const copies = at(ctx, { small: 1, moderate: 20 });
    return withLabServer(ctx, {}, async (srv) => {
      const before = await stats(srv.url);
      const runs = await Promise.all(
        CASES.flatMap((c) =>
          Array.from({ length: copies }, () =>
            exchange(srv.host, srv.port, c.payload, WAIT_MS).then((x) => ({ c, x })),
          ),
        ),
      );
      const failed = new Set(runs.filter((r) => !verdict(r.c, r.x)).map((r) => r.c.name));
      const byStatus: Record<string, number> = {};
      for (const { x } of runs) {
        const k =
          x.statuses.length > 0 ? String(x.statuses[0]) : x.closedAfterMs !== null ? "closed" : "open";
        byStatus[k] = (byStatus[k] ?? 0) + 1;
      }
      const maxCloseMs = Math.max(
        0,
        ...runs.map((r) => (r.x.statuses.length === 0 ? (r.x.closedAfterMs ?? WAIT_MS) : 0)),
      );
      const healthz = await getOnce(srv.host, srv.port, "/healthz");
      const after = await stats(srv.url);
      const samePids = after.pids.join() === before.pids.join() && after.restarts === before.restarts;
      const ok = consistent(after);
      const pass = failed.size === 0 && healthz === 200 && samePids && ok;
      const mix = Object.entries(byStatus)
        .map(([k, v]) => `${k}×${n(v)}`)
        .join(" ");
      return {
        expectation: `each of ${CASES.length} cases 4xx or closed (pipelined /healthz: all 200); no crash; /healthz 200; stats consistent`,
        measured: `${CASES.length - failed.size}/${CASES.length} as expected${failed.size ? ` (not: ${[...failed].join(", ")})` : ""}; first answers ${mix}; unanswered closed ≤ ${ms(maxCloseMs)}; restarts ${after.restarts - before.restarts}; /healthz ${healthz}; stats ${ok ? "consistent" : "INCONSISTENT"}`,
        pass,
        figures: {
          cases: CASES.length,
          copies,
          failedCases: [...failed].join(", ") || null,
          maxCloseMs,
          healthz,
          restarts: after.restarts - before.restarts,
          consistent: ok,
          ...Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [`first_${k}`, v])),
          ...Object.fromEntries(
            CASES.map((c) => [`case: ${c.name}`, describe(runs.find((r) => r.c === c)?.x)]),
          ),
        },
      };
    });
  },
};
