// Doctor: can this machine hold the configured run? One table of limits and settings, exit 2 when a FAIL blocks it.

import { littleCeilingRps } from "./lib/contract/little.ts";
import { driver } from "./lib/core/driver.ts";
import { textTable } from "./lib/core/format.ts";
import { PLACEMENT_OPTIONS } from "./lib/core/options.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { blocking, type Check, type RunShape, runChecks } from "./lib/doctor/doctor-checks.ts";
import { hostsChecks } from "./lib/doctor/doctor-hosts.ts";
import { placementChecks } from "./lib/doctor/doctor-placement.ts";
import { checkUrl } from "./lib/load/checks.ts";
import { localPlacement } from "./lib/placement/local.ts";
import { fetchLabStats } from "./lib/processes/lab-stats.ts";

const COLUMNS = ["setting", "current", "needed", "status", "fix"] as const;

function table(checks: Check[]): string {
  return textTable(
    COLUMNS,
    checks.map((c) => [c.name, c.current, c.needed, c.status, c.fix]),
  );
}

const cli = {
  name: "doctor",
  usage: "$0 [options] — exit 0 when the run can work (WARNs allowed), 2 when a FAIL blocks it",
  options: [
    ...["connections", "workers", "threads", "shards", "url", "json", "target-rps"],
    ...PLACEMENT_OPTIONS,
    "hosts",
  ] as const,
  slo: loadSlo,
};

await driver(cli, async (a, slo) => {
  const shape: RunShape = {
    connections: a.connections,
    workers: a.workers,
    wrkThreads: a.threads,
    shards: a.shards,
  };
  const notes = await probeServer(checkUrl(a.url).url, shape);
  const placed = placementChecks({
    placement: localPlacement(a),
    rps: { paced: a["target-rps"], saturate: littleCeilingRps(a.connections, slo.stubMs) },
    connections: a.connections,
    port: Number(new URL(a.url).port || 80),
    serverPids: shape.serverPids,
  });
  // NOTE: HOSTS=<inventory>: one row per client host over ssh (wrk version, nofile) — placement/host-check.ts.
  const hosts = a.hosts ? await hostsChecks(a.hosts, a.connections) : [];
  const fails = report(shape, [...runChecks(shape), ...placed, ...hosts], notes, a.json);
  return fails.length > 0
    ? { code: 2, says: `invalid — cannot run: ${fails.map((f) => f.name).join(", ")}` }
    : { code: 0, says: "ok" };
});

/** A running lab server at url: judge its worker count and pids instead of the planned ones; notes say which. */
async function probeServer(url: string, shape: RunShape): Promise<string[]> {
  const notes: string[] = [];
  // NOTE: with --url the worker count is the running server's, not --workers (--url is parsed as a URL).
  const origin = new URL(url).origin;
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
