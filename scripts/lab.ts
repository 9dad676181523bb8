// `make lab`: start the server (--workers, 2), run paced 20k RPS and saturate 20k connections, stop it, compare.
import { existsSync } from "node:fs";
import { ruleList } from "./lib/contract/reasons.ts";
import type { Mode, ResultRecord } from "./lib/contract/record.ts";
import { InvalidRun } from "./lib/core/cli.ts";
import { driver } from "./lib/core/driver.ts";
import { int, textTable } from "./lib/core/format.ts";
import { checkInterrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
import { PLACEMENT_OPTIONS } from "./lib/core/options.ts";
import { sleep } from "./lib/core/sleep.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { tune, untune } from "./lib/machine/tune.ts";
import { statePath } from "./lib/machine/tune-state.ts";
import { formatCpuList } from "./lib/placement/cpus.ts";
import { startFleetRun } from "./lib/placement/fleet-run.ts";
import { startHostsLab } from "./lib/placement/hosts-lab.ts";
import { loadInventory } from "./lib/placement/inventory.ts";
import { labPlacement, localPlacement, type PlacementArgs } from "./lib/placement/local.ts";
import { startNetnsLab } from "./lib/placement/netns-lab.ts";
import { guardInventory } from "./lib/placement/reach.ts";
import type { PlacementRequest } from "./lib/placement/run-placement.ts";
import { loweredText, lowerShield, raiseShield } from "./lib/placement/shield.ts";
import type { StatsSource } from "./lib/processes/fleet-stats.ts";
import { startServer } from "./lib/processes/server.ts";
import { runPage } from "./lib/report/run-page-lazy.ts";
import { repeatsOutcome, repeatsText } from "./lib/results/repeats.ts";
import { runLoad } from "./lib/results/run.ts";
import { summaryText, verdictOutcome } from "./lib/results/summary.ts";

const COOL_DOWN_MS = 5000;

function sideBySide(runs: { mode: Mode; record: ResultRecord; dir: string }[]): string {
  const rows: [string, (r: ResultRecord) => string][] = [
    ["verdict", (r) => (r.verdict.pass ? "PASS" : "FAIL")],
    ["steady rps", (r) => int(r.measurements.rps)],
    ["of Little ceiling", (r) => (r.measurements.rps / r.measurements.littleCeilingRps).toFixed(3)],
    ["p99 µs", (r) => int(r.measurements.latencyUs.p99)],
    ["over-stub p99 µs", (r) => int(r.measurements.overStubUs.p99)],
    [
      "server's own p99 late µs",
      (r) => (r.measurements.serverLateUs ? int(r.measurements.serverLateUs.p99) : "—"),
    ],
    ["errors", (r) => int(Object.values(r.measurements.errors).reduce((a, v) => a + v, 0))],
    ["connections up", (r) => int(r.measurements.connectionsEstablished)],
    [
      "server / wrk cpu % (of one)",
      (r) => `${r.measurements.cpu.serverPct.toFixed(0)} / ${r.measurements.cpu.generatorPct.toFixed(0)}`,
    ],
    ["placement", (r) => r.placement?.kind ?? "shared"],
    [
      "server / wrk % of own CPUs",
      (r) =>
        `${(r.measurements.cpu.serverOfItsCpusPct ?? 0).toFixed(0)} / ${(r.measurements.cpu.generatorOfItsCpusPct ?? 0).toFixed(0)}`,
    ],
    ["bound", (r) => r.bound],
    ["failed rules", (r) => ruleList(r.verdict.reasons) || "-"],
  ];
  const table = textTable(
    ["", ...runs.map((r) => r.mode)],
    rows.map(([k, f]) => [k, ...runs.map((r) => f(r.record))]),
  );
  return [table, "", ...runs.map((r) => `${r.mode}: ${r.dir}/result.json`)].join("\n");
}

// NOTE: first, before any await: from here a Ctrl-C unwinds through the cleanup below (untune, shield, server),
// instead of killing this process with the server and the tuned sysctls left behind.
const signal = interruptSignal();

// NOTE: every option is parsed before the server starts: a bad value is one line, nothing started.
const cli = {
  name: "lab",
  usage:
    "$0 [options] — exit 0 when the paced run PASSes, 1 when it FAILs, 2 when a run is invalid\n" +
    "--placement: split, or hosts when --hosts is given",
  options: [
    ...["workers", "port", "connections", "target-rps", "duration", "warmup", "threads", "modes"],
    ...PLACEMENT_OPTIONS,
    ...["shield", "servers", "rate-limit", "clients", "hosts", "results-dir"],
    "profile",
    "repeats",
  ] as const,
  // NOTE: no default placement here: HOSTS alone implies hosts (labPlacement), else the catalogue's split.
  overrides: { modes: "paced,saturate", placement: null },
  slo: loadSlo,
};

await driver(cli, async (given, slo) => {
  const a = { ...given, placement: labPlacement(given.placement, given.hosts) };
  const runSlo = { ...slo, connections: a.connections, targetRps: a["target-rps"], durationS: a.duration };
  const base = { threads: a.threads, shards: 0, warmupS: a.warmup, timeoutS: 2, slo: runSlo };
  let target: Target | null = null;
  refuseEarly(a);
  const tuned = tuneForRun(a.profile);
  try {
    checkInterrupted(signal);
    target = await startTarget(a, slo.stubMs);
    checkInterrupted(signal);
    process.stderr.write(`server: ${target.output().trim()}\n`);
    const { url, request, statsBase } = target;
    const runs = await runModes(a.modes as Mode[], a.repeats, (mode) =>
      runLoad({ ...base, runPage, url, mode, resultsDir: a["results-dir"], placement: request, statsBase }),
    );
    if (a.repeats === 1) {
      const paced = runs.find((r) => r.mode === "paced") ?? runs[0];
      process.stdout.write(`\n${sideBySide(runs)}\n`);
      return paced ? verdictOutcome(paced.record) : 1;
    }
    process.stdout.write(
      `\n${repeatsText(runs)}\n\n${runs.map((r) => `${r.mode}: ${r.dir}/result.json`).join("\n")}\n`,
    );
    return repeatsOutcome(runs);
  } finally {
    await (target as Target | null)?.stop(); // drains, then exits; also on failure and Ctrl-C
    if (tuned && untune() !== 0) process.stderr.write(`lab: sysctls not all restored — make untune\n`);
  }
});

/** What can be refused before anything changes on the machine: a shield off split, an inventory's addresses. */
function refuseEarly(a: LabArgs): void {
  if (a.shield && a.placement !== "split") throw new InvalidRun("--shield needs PLACEMENT=split (SHIELD=1)");
  if (a.placement === "hosts" && a.hosts) guardInventory(loadInventory(a.hosts));
  if (a["rate-limit"] > 0 && a.servers === 0)
    throw new InvalidRun("RATE_LIMIT (--rate-limit) is the LB's: give SERVERS=n (a fleet behind HAProxy)");
  if (a.servers > 0 && a.placement === "shared")
    throw new InvalidRun(
      `SERVERS=${a.servers} (--servers) runs a fleet on hosts of its own (namespaces, or HOSTS=<inventory>): drop PLACEMENT=shared`,
    );
}

/** PROFILE for the runs unless the box is tuned already (a saved state) or PROFILE=none; true = undo after. */
function tuneForRun(profile: string): boolean {
  if (profile === "none" || existsSync(statePath())) return false;
  if (process.getuid?.() === 0 && tune(profile, false) === 0) return true;
  process.stderr.write("lab: running untuned (see make doctor)\n");
  return false;
}

type LabArgs = PlacementArgs & {
  workers: number;
  port: number;
  clients: number;
  servers: number;
  "rate-limit": number;
  connections: number;
  hosts?: string;
  shield: boolean;
};

interface Target {
  output: () => string;
  url: string;
  statsBase: StatsSource;
  request: PlacementRequest;
  stop: () => Promise<void>;
}

/** The server, placed: on its own CPUs here (split), floating (shared), or inside emulated hosts (netns). */
async function startTarget(a: LabArgs, stubMs: number): Promise<Target> {
  const failed = (e: Error): never => {
    throw new InvalidRun(`the server did not start: ${e.message.split("\n").slice(-1)[0]}`);
  };
  const spec = { workers: a.workers, port: a.port, stubMs };
  if (a.servers > 0 && a.placement !== "hosts") return startFleetTarget(a, spec).catch(failed);
  if (a.placement === "netns") {
    const cpus = { serverCpus: a["server-cpus"], generatorCpus: a["generator-cpus"] };
    const lab = await startNetnsLab({
      ...spec,
      ...cpus,
      clients: a.clients,
      signal: interruptSignal(),
    }).catch(failed);
    const t = lab.topology;
    process.stderr.write(
      `placement: netns — server ${t.server.ns} ${t.server.address}, clients ${t.clients.map((c) => c.ns).join(", ")}\n`,
    );
    return { ...lab, output: lab.server.output, statsBase: lab.server.statsBase };
  }
  if (a.placement === "hosts") return startHostsTarget(a, spec);
  const place = localPlacement(a);
  process.stderr.write(`placement: ${place.label}\n`);
  const server = await startServer({ ...spec, prefix: place.serverPrefix }).catch(failed);
  const request = { ...place.request };
  if (a.shield && place.serverCpus) {
    const cpus = place.serverCpus;
    try {
      request.shieldedTasks = raiseShield(cpus).tasks.length;
    } catch (e) {
      await server.stop();
      throw e;
    }
    process.stderr.write(
      `shield: ${request.shieldedTasks} other tasks moved off CPUs ${formatCpuList(cpus)} for the run (\`make unshield\` puts them back if this run is killed)\n`,
    );
  }
  // NOTE: the shield comes down before the server drains: put back even when the stop fails.
  const stop = () => {
    if (request.shieldedTasks !== undefined) process.stderr.write(`shield: ${loweredText(lowerShield())}\n`);
    return server.stop().then(() => {});
  };
  return { output: server.output, url: `${server.url}/ping/`, statsBase: server.statsBase, request, stop };
}

/** PLACEMENT=hosts: the inventory's server and client hosts, over ssh (placement/hosts-lab.ts). */
async function startHostsTarget(a: LabArgs, spec: { workers: number; port: number; stubMs: number }) {
  if (!a.hosts)
    throw new InvalidRun("--placement hosts needs --hosts <inventory> (make fleet-up prints one)");
  const fleet =
    a.servers > 0
      ? { servers: a.servers, connections: a.connections, rateLimit: a["rate-limit"] }
      : undefined;
  const lab = await startHostsLab({
    ...spec,
    inventory: a.hosts,
    fleet: fleet && { ...fleet, signal: interruptSignal() },
  });
  const inv = lab.inventory;
  const clients = `clients ${inv.clients.map((c) => c.name).join(", ")} (${inv.path})`;
  const servers = inv.servers.slice(0, a.servers).map((h) => `${h.name} ${h.address}`);
  process.stderr.write(
    inv.lb && a.servers > 0
      ? `placement: fleet over ssh — HAProxy ${inv.lb.name} ${inv.lb.address}, servers ${servers.join(", ")}, ${clients}\n`
      : `placement: hosts — server ${inv.server.name} ${inv.server.address}, ${clients}\n`,
  );
  return lab;
}

/** SERVERS=n: n server hosts behind HAProxy in the lab's namespaces, wrk in the client hosts (placement/fleet-run.ts). */
async function startFleetTarget(a: LabArgs, spec: { workers: number; port: number; stubMs: number }) {
  const run = await startFleetRun({
    ...spec,
    ...{ servers: a.servers, clients: a.clients, connections: a.connections, signal: interruptSignal() },
    rateLimit: a["rate-limit"],
    ...{ serverCpus: a["server-cpus"], generatorCpus: a["generator-cpus"] },
  });
  process.stderr.write(`placement: ${run.label}\n`);
  return run;
}

type LabRun = { mode: Mode; record: ResultRecord; dir: string };

/** Each mode in turn, `repeats` rounds interleaved (paced, saturate, paced, …), a cool-down between; each summary. */
async function runModes(
  modes: Mode[],
  repeats: number,
  run: (mode: Mode) => Promise<{ record: ResultRecord; dir: string }>,
): Promise<LabRun[]> {
  const runs: LabRun[] = [];
  for (const mode of Array.from({ length: repeats }, () => modes).flat()) {
    checkInterrupted(signal);
    if (runs.length > 0) await Promise.race([sleep(COOL_DOWN_MS), whenInterrupted(signal)]);
    const { record, dir } = await run(mode);
    process.stderr.write(`\n${summaryText(record, dir)}\n\n`);
    runs.push({ mode, record, dir });
  }
  return runs;
}
