// Server options from argv and environment (WORKERS, STUB_MS, HOST, PORT); bad input exits 2 with one line.
import { isIP } from "node:net";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";

export interface ServerOptions {
  workers: number;
  stubMs: number;
  host: string;
  port: number;
  maxDeaths: number;
  deathWindowS: number;
  /** pause accepting near the open-files limit (server/fd-guard.ts); off only to reproduce the EMFILE spin */
  fdGuard: boolean;
}

/** Print one line naming the problem and the fix, exit 2 (never a stack trace for a user mistake). */
export function usageExit(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

function int(name: string, raw: unknown, min: number, max: number): number {
  const text = String(raw).trim();
  const n = Number(text);
  if (text === "" || !Number.isInteger(n) || n < min || n > max) {
    usageExit(`--${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

export function parseServerOptions(argv = hideBin(process.argv), env = process.env): ServerOptions {
  const a = yargs(argv)
    .scriptName("server")
    .usage("$0 [options]  — uWebSockets.js 200 ms stub in N throng workers")
    .option("workers", {
      type: "string",
      default: env.WORKERS ?? "1",
      desc: "worker processes (env WORKERS)",
    })
    .option("stub-ms", {
      type: "string",
      default: env.STUB_MS ?? "200",
      desc: "ms /ping waits (env STUB_MS)",
    })
    .option("host", { type: "string", default: env.HOST ?? "127.0.0.1", desc: "bind address (env HOST)" })
    .option("port", { type: "string", default: env.PORT ?? "8000", desc: "TCP port (env PORT)" })
    .option("max-deaths", { type: "string", default: "5", desc: "worker deaths tolerated per window" })
    .option("death-window-s", { type: "string", default: "10", desc: "crash-loop window, seconds" })
    .option("fd-guard", {
      type: "string",
      default: "on",
      desc: "on|off: stop accepting near the open-files limit (off reproduces the EMFILE busy-spin)",
    })
    .strict()
    .help()
    .version(false)
    .fail((msg, err) => usageExit(`${err?.message ?? msg} (see --help)`))
    .parseSync();
  const host = String(a.host);
  const fdGuard = String(a["fd-guard"]);
  if (fdGuard !== "on" && fdGuard !== "off") usageExit(`--fd-guard must be on or off, got "${fdGuard}"`);
  if (host !== "localhost" && isIP(host) === 0) usageExit(`--host must be an IP address, got "${host}"`);
  return {
    workers: int("workers", a.workers, 1, 64),
    stubMs: int("stub-ms", a["stub-ms"], 0, 60_000),
    host,
    port: int("port", a.port, 1, 65_535),
    maxDeaths: int("max-deaths", a["max-deaths"], 0, 1000),
    deathWindowS: int("death-window-s", a["death-window-s"], 1, 3600),
    fdGuard: fdGuard === "on",
  };
}
