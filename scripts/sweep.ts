// Capacity sweep: workers × connections × mode, each cell a normal recorded run; resumable via its state.json.
import { join } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { ruleList } from "./lib/contract/reasons.ts";
import { loadSlo } from "./lib/contract/slo.ts";
import { InvalidRun, parseArgs, runMain } from "./lib/core/cli.ts";
import { int, ms } from "./lib/core/format.ts";
import { checkInterrupted, Interrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
import { options } from "./lib/core/options.ts";
import { sleep } from "./lib/load/live.ts";
import { runLoad } from "./lib/load/run.ts";
import {
  buildGrid,
  type CellState,
  cellOf,
  Eta,
  finished,
  fmtDuration,
  openState,
  type SweepSettings,
  sweepDir,
  writeState,
} from "./lib/planning/sweep-plan.ts";
import { sweepTable } from "./lib/planning/sweep-report.ts";
import { type RunningServer, startServer } from "./lib/processes/server.ts";
import { writeAtomic } from "./lib/results/atomic.ts";

const say = (l: string): void => {
  process.stderr.write(`${l}\n`);
};

await runMain(async () => {
  const slo = loadSlo();
  const a = parseArgs(
    options(
      yargs(hideBin(process.argv))
        .scriptName("sweep")
        .usage(
          "$0 [options] — exit 0 when the sweep completed (cell verdicts are data), 2 bad options, 130 Ctrl-C\n" +
            "--target-rps, when not given: each cell's connections ÷ stub ÷ 5",
        ),
      [
        ...["name", "workers-list", "connections-list", "modes", "target-rps", "repeats", "warmup"],
        ...["duration", "cooldown", "threads", "timeout", "stub-ms", "budget-ms", "force", "results-dir"],
      ] as const,
      { "target-rps": null, warmup: "3s", duration: "10s" },
      slo,
    ),
  );
  const resultsDir = a["results-dir"];
  const settings: SweepSettings = {
    stubMs: a["stub-ms"],
    budgetMs: a["budget-ms"],
    durationS: a.duration,
    warmupS: a.warmup,
    threads: a.threads,
    timeoutS: a.timeout,
  };
  const cooldownMs = a.cooldown * 1000;
  const repeats = a.repeats;
  const target = a["target-rps"] ?? null;
  const workersList = a["workers-list"];
  const grid = buildGrid(workersList, a["connections-list"], a.modes, settings.stubMs, target);
  const dir = sweepDir(resultsDir, a.name);
  const state = openState(dir, a.name, settings, grid, a.force);
  writeState(dir, state);

  const mine = grid.map((c) => cellOf(state, c.key));
  const left = (c: CellState): number => (finished(c, repeats) ? 0 : repeats - c.runs.length);
  const plannedRunS = settings.warmupS + settings.durationS + cooldownMs / 1000 + 5;
  const eta = new Eta(
    plannedRunS,
    mine.reduce((s, c) => s + left(c), 0),
  );
  const doneCells = (): number => mine.filter((c) => finished(c, repeats)).length;
  say(
    `sweep ${a.name}: ${mine.length} cells (${doneCells()} already finished), ${mine.reduce((s, c) => s + left(c), 0)} runs to go, about ${fmtDuration(eta.secondsLeft())} — state in ${dir}/state.json`,
  );

  const signal = interruptSignal();
  let server: RunningServer | null = null;
  let ranOne = false;
  const skip = (c: CellState, reason: string): void => {
    c.skipped = reason;
    eta.dropped(left({ ...c, skipped: null }));
    writeState(dir, state);
    say(`  skipped ${c.key}: ${reason}`);
  };
  try {
    for (const w of workersList) {
      for (const c of mine.filter((x) => x.workers === w)) {
        while (!finished(c, repeats)) {
          checkInterrupted(signal);
          if (ranOne && cooldownMs > 0) await Promise.race([sleep(cooldownMs), whenInterrupted(signal)]);
          if (!server || server.proc.exitCode !== null || server.proc.signalCode !== null) {
            // NOTE: a server that died (crash loop) is started again; one that cannot start skips its cells.
            server = await startServer({ workers: w, stubMs: settings.stubMs }).catch((e: Error) => {
              skip(c, `the server did not start: ${e.message.trim().split("\n").slice(-1)[0]}`);
              return null;
            });
            if (!server) break;
          }
          say(
            `\nsweep ${a.name} [cells ${doneCells()}/${mine.length} done · ETA ${fmtDuration(eta.secondsLeft())}] ${w} workers · ${int(c.connections)} connections · ${c.mode} · target ${int(c.targetRps)} rps · repeat ${c.runs.length + 1}/${repeats}`,
          );
          const t0 = performance.now();
          try {
            const { record, dir: rd } = await runLoad({
              url: `${server.url}/ping/`,
              mode: c.mode,
              threads: settings.threads,
              shards: 0,
              warmupS: settings.warmupS,
              timeoutS: settings.timeoutS,
              resultsDir,
              slo: {
                ...slo,
                connections: c.connections,
                targetRps: c.targetRps,
                durationS: settings.durationS,
                overheadBudgetMs: settings.budgetMs,
              },
            });
            ranOne = true;
            c.runs.push(record.id);
            writeState(dir, state);
            eta.ran((performance.now() - t0) / 1000 + cooldownMs / 1000);
            const m = record.measurements;
            say(
              `  → ${record.verdict.pass ? "PASS" : "FAIL"} ${int(m.rps)} rps · p99 ${ms(m.latencyUs.p99)} ms · bound ${record.bound}${record.verdict.pass ? "" : ` · ${ruleList(record.verdict.reasons)}`} · ${rd}`,
            );
          } catch (e) {
            if (!(e instanceof InvalidRun)) throw e;
            skip(c, e.message); // NOTE: a cell this worker count cannot hold (fd limit, …) is data, not a crash
          }
        }
      }
      await server?.stop();
      server = null;
    }
  } catch (e) {
    if (e instanceof Interrupted)
      say(`\nsweep ${a.name}: finished runs are kept in ${dir}/state.json — run the same command to resume`);
    throw e;
  } finally {
    await (server as RunningServer | null)?.stop(); // also on failure and Ctrl-C
  }
  const table = sweepTable(state, resultsDir, repeats);
  writeAtomic(join(dir, "sweep.md"), table);
  process.stdout.write(
    `\n${table}\nsweep ${a.name}: complete — ${dir}/sweep.md; \`make notes\` for capacity.md\n`,
  );
  return 0;
});
