// Doctor: can this machine hold the configured run? One table of limits and settings, exit 2 when a FAIL blocks it.

import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { loadSlo } from "./lib/contract/slo.ts";
import { InvalidRun, parseArgs, positiveInt, runMain } from "./lib/core/cli.ts";
import { textTable } from "./lib/core/format.ts";
import { fetchLabStats } from "./lib/load/lab-stats.ts";
import { blocking, type Check, type RunShape, runChecks } from "./lib/machine/doctor-checks.ts";

const COLUMNS = ["setting", "current", "needed", "status", "fix"] as const;

function table(checks: Check[]): string {
  return textTable(
    COLUMNS,
    checks.map((c) => [c.name, c.current, c.needed, c.status, c.fix]),
  );
}

await runMain(async () => {
  const slo = loadSlo();
  const a = parseArgs(
    yargs(hideBin(process.argv))
      .scriptName("doctor")
      .usage("$0 [options] — exit 0 when the run can work (WARNs allowed), 2 when a FAIL blocks it")
      .option("connections", {
        type: "string",
        default: String(slo.connections),
        desc: "concurrent connections",
      })
      .option("workers", { type: "string", default: "4", desc: "server workers (a running server's win)" })
      .option("threads", { type: "string", default: "2", desc: "wrk -t per shard" })
      .option("shards", { type: "string", default: "0", desc: "wrk processes (0 = auto)" })
      .option("url", { type: "string", desc: "a running lab server: judge its worker pids and count" })
      .option("json", {
        type: "boolean",
        default: false,
        desc: "print {shape, checks, blocking, notes} as JSON",
      }),
  );
  const shape: RunShape = {
    connections: positiveInt("connections", a.connections, 1, 1_000_000),
    workers: positiveInt("workers", a.workers, 1, 256),
    wrkThreads: positiveInt("threads", a.threads, 1, 64),
    shards: positiveInt("shards", a.shards, 0, 64),
  };
  const notes = a.url === undefined ? [] : await probeServer(a.url, shape);
  const fails = report(shape, runChecks(shape), notes, a.json);
  return fails.length > 0 ? 2 : 0;
});

/** A running lab server at url: judge its worker count and pids instead of the planned ones; notes say which. */
async function probeServer(url: string, shape: RunShape): Promise<string[]> {
  const notes: string[] = [];
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new InvalidRun(`--url "${url}" is not a URL — e.g. http://127.0.0.1:8000/`);
  }
  try {
    const s = await fetchLabStats(origin, 2000);
    if (s.workers !== shape.workers) notes.push(`server at ${origin} runs ${s.workers} workers`);
    Object.assign(shape, { workers: s.workers, serverPids: s.pids, serverNativeUws: s.nativeUws });
  } catch (e) {
    // NOTE: no server is fine: the doctor then judges the planned worker count against our hard limit.
    notes.push(
      `no lab server at ${origin} (${(e as Error).message}) — judging ${shape.workers} planned workers`,
    );
  }
  return notes;
}

/** The table (or JSON) and the one-line summary; returns the blocking checks. */
function report(shape: RunShape, checks: Check[], notes: string[], json: boolean): Check[] {
  const fails = blocking(checks);
  const warns = checks.filter((c) => c.status === "WARN").length;
  const run = `${shape.connections} connections, ${shape.workers} workers, wrk -t${shape.wrkThreads}`;
  const last =
    fails.length > 0
      ? `doctor: ${fails.length} FAIL, ${warns} WARN — ${run} cannot run: ${fails.map((f) => f.name).join(", ")}`
      : `doctor: ready — ${run} fits (${warns} WARN)`;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ shape, checks, blocking: fails.map((f) => f.name), notes, summary: last })}\n`,
    );
  } else {
    for (const n of notes) process.stdout.write(`note: ${n}\n`);
    process.stdout.write(`${table(checks)}\n${last}\n`);
  }
  return fails;
}
