// `make chaos`: the reliability scenarios (or some), expected vs measured, written to results/chaos-<id>/.
import { FLEET_SCENARIOS, SCENARIOS } from "./chaos/index.ts";
import { killAll, waitNoStrays } from "./lib/chaos/procs.ts";
import {
  chaosPlacement,
  chaosRecord,
  type Outcome,
  type ScenarioResult,
  textTable,
  writeChaos,
} from "./lib/chaos/result.ts";
import type { ChaosContext, Scenario } from "./lib/chaos/scenario.ts";
import { driver } from "./lib/core/driver.ts";
import { checkInterrupted, Interrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
import { PLACEMENT_OPTIONS } from "./lib/core/options.ts";
import { sleep } from "./lib/core/sleep.ts";
import { localPlacement, pinThisProcess, placementArgs } from "./lib/placement/local.ts";

const NAMES = SCENARIOS.map((s) => s.name);
const EVERY = [...SCENARIOS, ...FLEET_SCENARIOS];
/** how long a scenario that unwinds may take to remove what it made after a Ctrl-C */
const UNWIND_MS = 20_000;

const cli = {
  name: "chaos",
  usage: `$0 [options] — exit 0 every scenario PASSes, 1 one FAILs, 2 bad option, 130 Ctrl-C; all = every scenario but ${FLEET_SCENARIOS.map((s) => s.name).join(", ")} (root: a fleet in network namespaces), which run when named`,
  options: [...["scenario", "scale", "results-dir", "write"], ...PLACEMENT_OPTIONS] as const,
  overrides: { scenario: { allowed: ["all", ...EVERY.map((s) => s.name)] } },
};

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** One scenario, raced against Ctrl-C; an error is its FAIL. On Ctrl-C one that unwinds is waited for, then Interrupted. */
async function runScenario(s: Scenario, ctx: ChaosContext, signal: AbortSignal): Promise<ScenarioResult> {
  log(`▶ ${s.name} …`);
  const t0 = performance.now();
  const running = s.run(ctx);
  let out: Outcome;
  try {
    out = await Promise.race([running, whenInterrupted(signal)]);
  } catch (e) {
    if (e instanceof Interrupted) {
      if (s.unwinds) await Promise.race([running.catch(() => {}), sleep(UNWIND_MS)]);
      throw e;
    }
    const msg = (e as Error).message.split("\n")[0] ?? "error";
    out = { expectation: "runs to the end", measured: `error: ${msg}`, pass: false, figures: {} };
  }
  const r: ScenarioResult = { name: s.name, ...out, durationMs: Math.round(performance.now() - t0) };
  log(`  ${r.pass ? "PASS" : "FAIL"} (${(r.durationMs / 1000).toFixed(1)} s) ${r.measured}`);
  return r;
}

await driver(cli, async (a) => {
  const wanted = [...(a.scenario.includes("all") ? NAMES : []), ...a.scenario];
  const place = localPlacement(a);
  // NOTE: the driver is the load side here (its light clients, the drivers it starts): it runs on the
  // generator's CPUs, every chaos server on the server's (ChaosContext.serverCpus).
  const driverCpus = place.request.generatorCpus ? pinThisProcess(place.request.generatorCpus) : null;
  log(`placement: ${place.label}`);
  const signal = interruptSignal();
  const ctx: ChaosContext = {
    scale: a.scale,
    log,
    serverCpus: place.serverCpus,
    placementArgs: placementArgs(place),
    generatorCpus: place.request.generatorCpus,
    signal,
  };
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  try {
    for (const s of EVERY.filter((x) => wanted.includes(x.name))) {
      checkInterrupted(signal);
      results.push(await runScenario(s, ctx, signal));
    }
  } finally {
    await killAll(); // NOTE: after a Ctrl-C the scenario's own cleanup never ran: stop what it started
  }
  const left = await waitNoStrays(3000);
  process.stdout.write(`\n${textTable(results)}\n`);
  if (left.length > 0) log(`stray processes left: ${left.map((s) => `${s.pid} ${s.cmd}`).join("; ")}`);
  const rec = chaosRecord(startedAt, ctx.scale, results, chaosPlacement(place, driverCpus));
  if (a.write) process.stdout.write(`\nwritten: ${writeChaos(a["results-dir"], rec)}/chaos.md\n`);
  const failed = results.filter((r) => !r.pass).map((r) => r.name);
  if (left.length > 0) failed.push("stray processes");
  return failed.length === 0 ? { code: 0, says: "PASS" } : { code: 1, says: `FAIL (${failed.join(", ")})` };
});
