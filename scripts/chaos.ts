// `make chaos`: the reliability scenarios (or some), expected vs measured, written to results/chaos-<id>/.
import { SCENARIOS } from "./chaos/index.ts";
import { killAll, waitNoStrays } from "./lib/chaos/procs.ts";
import {
  chaosPlacement,
  chaosRecord,
  type Outcome,
  type ScenarioResult,
  textTable,
  writeChaos,
} from "./lib/chaos/result.ts";
import type { ChaosContext } from "./lib/chaos/scenario.ts";
import { driver } from "./lib/core/driver.ts";
import { checkInterrupted, Interrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
import { PLACEMENT_OPTIONS } from "./lib/core/options.ts";
import { localPlacement, pinThisProcess, placementArgs } from "./lib/placement/local.ts";

const NAMES = SCENARIOS.map((s) => s.name);

const cli = {
  name: "chaos",
  usage: "$0 [options] — exit 0 every scenario PASSes, 1 one FAILs, 2 bad option, 130 Ctrl-C",
  options: [...["scenario", "scale", "results-dir", "write"], ...PLACEMENT_OPTIONS] as const,
  overrides: { scenario: { allowed: ["all", ...NAMES] } },
};

await driver(cli, async (a) => {
  const wanted = a.scenario.includes("all") ? NAMES : a.scenario;
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const place = localPlacement(a);
  // NOTE: the driver is the load side here (its light clients, the drivers it starts): it runs on the
  // generator's CPUs, every chaos server on the server's (ChaosContext.serverCpus).
  const driverCpus = place.request.generatorCpus ? pinThisProcess(place.request.generatorCpus) : null;
  log(`placement: ${place.label}`);
  const ctx: ChaosContext = {
    scale: a.scale,
    log,
    serverCpus: place.serverCpus,
    placementArgs: placementArgs(place),
  };
  const signal = interruptSignal();
  const startedAt = new Date();
  const results: ScenarioResult[] = [];
  try {
    for (const s of SCENARIOS.filter((x) => wanted.includes(x.name))) {
      checkInterrupted(signal);
      log(`▶ ${s.name} …`);
      const t0 = performance.now();
      let out: Outcome;
      try {
        out = await Promise.race([s.run(ctx), whenInterrupted(signal)]);
      } catch (e) {
        if (e instanceof Interrupted) throw e;
        const msg = (e as Error).message.split("\n")[0] ?? "error";
        out = { expectation: "runs to the end", measured: `error: ${msg}`, pass: false, figures: {} };
      }
      const r: ScenarioResult = { name: s.name, ...out, durationMs: Math.round(performance.now() - t0) };
      results.push(r);
      log(`  ${r.pass ? "PASS" : "FAIL"} (${(r.durationMs / 1000).toFixed(1)} s) ${r.measured}`);
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
