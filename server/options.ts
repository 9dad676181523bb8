// Server options from argv and environment (WORKERS, STUB_MS, HOST, PORT, ADMIN_SOCKET); bad input exits 2 with one line.
// NOTE: workers, stub-ms and port are the drivers' own (scripts/lib/core/option-catalogue.ts): one range, one default.
import { isIP } from "node:net";
import { resolve } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { CATALOGUE } from "../scripts/lib/core/option-catalogue.ts";
import { integer, nonEmpty, oneOf } from "../scripts/lib/core/parse.ts";
import { loadSlo } from "../scripts/lib/core/slo.ts";

export interface ServerOptions {
  workers: number;
  stubMs: number;
  host: string;
  port: number;
  maxDeaths: number;
  deathWindowS: number;
  /** pause accepting near the open-files limit (server/fd-guard.ts); off only to reproduce the EMFILE spin */
  fdGuard: boolean;
  /** absolute path of the primary's unix admin socket serving /__lab/stats (server/admin.ts), or null */
  adminSocket: string | null;
}

/** Print one line naming the problem and the fix, exit 2 (never a stack trace for a user mistake). */
export function usageExit(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** An integer option checked by the drivers' strict parser (scripts/lib/core/parse.ts) where it is declared. */
const int = (name: string, desc: string, dflt: string | number, min: number, max: number) =>
  ({
    type: "string",
    desc,
    default: dflt,
    requiresArg: true,
    coerce: (raw: unknown): number => integer(name, raw, min, max),
  }) as const;

/**
 * An option the drivers declare too (scripts/lib/core/option-catalogue.ts): the same parser and default,
 * the environment's value before the default.
 */
const shared = (name: "workers" | "stub-ms" | "port", desc: string, dflt: string | number | undefined) =>
  ({
    type: "string",
    desc,
    default: dflt,
    requiresArg: true,
    // NOTE: yargs also calls coerce for an option that was not given and has no default (raw undefined).
    coerce: (raw: unknown): number | undefined =>
      raw === undefined ? undefined : CATALOGUE[name].parse(name, raw),
  }) as const;

/** The SLO's stub (configs/slo.json), as the drivers default --stub-ms; read only when nothing gave one. */
function sloStubMs(): number {
  try {
    return CATALOGUE["stub-ms"].default(loadSlo());
  } catch (e) {
    return usageExit(`${(e as Error).message} (or pass --stub-ms / STUB_MS)`);
  }
}

function host(raw: unknown): string {
  const h = nonEmpty("host", raw).trim();
  if (h !== "localhost" && isIP(h) === 0) throw new Error(`--host must be an IP address, got "${h}"`);
  return h;
}

/** 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) and localhost: where /__lab/stats may stay on the main listener. */
export function isLoopback(h: string): boolean {
  const v4 = h.toLowerCase().replace(/^::ffff:/, "");
  return h === "localhost" || h === "::1" || (isIP(v4) === 4 && v4.startsWith("127."));
}

// NOTE: a unix socket path is limited to 107 bytes (sun_path); bind() would fail with a less clear error.
function adminSocket(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  const p = resolve(nonEmpty("admin-socket", raw).trim());
  if (Buffer.byteLength(p) > 107) throw new Error(`--admin-socket must be at most 107 bytes, got ${p}`);
  return p;
}

const INTS = ["workers", "stub-ms", "port", "max-deaths", "death-window-s"] as const;

export function parseServerOptions(argv = hideBin(process.argv), env = process.env): ServerOptions {
  const a = yargs(argv)
    .scriptName("server")
    .usage("$0 [options]  — uWebSockets.js 200 ms stub in N throng workers")
    // NOTE: parsed as text by the coerce parsers (so "" and "1.5" are refused), shown as [number] in --help.
    .number(INTS)
    .option(
      "workers",
      shared("workers", "worker processes (env WORKERS)", env.WORKERS ?? CATALOGUE.workers.default),
    )
    .option(
      "stub-ms",
      shared("stub-ms", "ms /ping waits (env STUB_MS; default: the SLO's stub)", env.STUB_MS),
    )
    .option("host", {
      type: "string",
      default: env.HOST ?? "127.0.0.1",
      desc: "bind address (env HOST)",
      requiresArg: true,
      coerce: host,
    })
    .option("port", shared("port", "TCP port (env PORT)", env.PORT ?? CATALOGUE.port.default))
    .option("max-deaths", int("max-deaths", "worker deaths tolerated per window", 5, 0, 1000))
    .option("death-window-s", int("death-window-s", "crash-loop window, seconds", 10, 1, 3600))
    .option("fd-guard", {
      type: "string",
      default: "on",
      desc: "on|off: stop accepting near the open-files limit (off reproduces the EMFILE busy-spin)",
      requiresArg: true,
      coerce: (raw: unknown) => oneOf("fd-guard", raw, ["on", "off"]),
    })
    .option("admin-socket", {
      type: "string",
      default: env.ADMIN_SOCKET,
      desc: "unix socket where the primary serves GET /__lab/stats (env ADMIN_SOCKET); required beyond loopback",
      requiresArg: true,
      coerce: adminSocket,
    })
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => usageExit(`${err?.message ?? msg} (see --help)`))
    .parseSync();
  const admin = a["admin-socket"] ?? null;
  if (!isLoopback(a.host) && admin === null) {
    usageExit(
      `--host ${a.host} is beyond loopback, where /__lab/stats is not served — pass --admin-socket PATH (env ADMIN_SOCKET), e.g. /run/lab-admin.sock, and read the stats from unix:PATH`,
    );
  }
  return {
    workers: a.workers as number,
    stubMs: a["stub-ms"] ?? sloStubMs(),
    host: a.host,
    port: a.port as number,
    maxDeaths: a["max-deaths"],
    deathWindowS: a["death-window-s"],
    fdGuard: a["fd-guard"] === "on",
    adminSocket: admin,
  };
}
