// Capacity sweep: workers × connections × mode, each cell a normal recorded run; resumable via its state.json.
import { join } from "node:path";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { loadSlo } from "./lib/contract/slo.ts";
import { InvalidRun, parseArgs, parseDuration, positiveInt, runMain } from "./lib/core/cli.ts";
import { int } from "./lib/core/format.ts";
import { checkInterrupted, Interrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
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
  parseList,
  parseModes,
  type SweepSettings,
  sweepDir,
  writeState,
} from "./lib/planning/sweep-plan.ts";
import { sweepTable } from "./lib/planning/sweep-report.ts";
import { type RunningServer, startServer } from "./lib/processes/server.ts";
import { writeAtomic } from "./lib/results/run-dir.ts";

const say = (l: string): void => {
  process.stderr.write(`${l}\n`);
};

await runMain(async () => {
  const slo = loadSlo();
  const a = parseArgs(
    yargs(hideBin(process.argv))
      .scriptName("sweep")
      .usage(
        "$0 [options] — exit 0 when the sweep completed (cell verdicts are data), 2 bad options, 130 Ctrl-C",
      )
      .option("name", {
        type: "string",
        default: "default",
        desc: "results/sweep-<name>/; same name = resume",
      })
      .option("workers", { type: "string", default: "1,2,4,8", desc: "worker counts" })
      .option("connections", { type: "string", default: "1000,5000,10000,20000", desc: "connection counts" })
      .option("modes", { type: "string", default: "saturate,paced", desc: "saturate and/or paced" })
      .option("target-rps", {
        type: "string",
        desc: "SLO target of every cell (paced: the rate sent); default connections ÷ stub ÷ 5",
      })
      .option("repeats", {
        type: "string",
        default: "1",
        desc: "runs per cell (median and min–max reported)",
      })
      .option("warmup", { type: "string", default: "3s", desc: "per run, not recorded" })
      .option("duration", { type: "string", default: "10s", desc: "measured, per run" })
      .option("cooldown", { type: "string", default: "5s", desc: "pause between runs" })
      .option("threads", { type: "string", default: "2", desc: "wrk -t per shard" })
      .option("timeout", { type: "string", default: "2s", desc: "wrk --timeout" })
      .option("stub-ms", { type: "string", default: String(slo.stubMs), desc: "the servers' stub" })
      .option("budget-ms", { type: "string", default: String(slo.overheadBudgetMs), desc: "p99 above stub" })
      .option("force", { type: "boolean", default: false, desc: "run every cell again (new state)" })
      .option("results-dir", { type: "string", default: "results" }),
  );
  const resultsDir = a["results-dir"];
  const settings: SweepSettings = {
    stubMs: positiveInt("stub-ms", a["stub-ms"], 1, 60_000),
    budgetMs: positiveInt("budget-ms", a["budget-ms"], 0, 60_000),
    durationS: parseDuration("duration", a.duration),
    warmupS: parseDuration("warmup", a.warmup),
    threads: positiveInt("threads", a.threads, 1, 64),
    timeoutS: parseDuration("timeout", a.timeout),
  };
  if (settings.durationS < 1) throw new InvalidRun("--duration must be at least 1s");
  const cooldownMs = parseDuration("cooldown", a.cooldown) * 1000;
  const repeats = positiveInt("repeats", a.repeats, 1, 100);
  const target = a["target-rps"] === undefined ? null : positiveInt("target-rps", a["target-rps"]);
  const workersList = parseList("workers", a.workers, 64);
  const grid = buildGrid(
    workersList,
    parseList("connections", a.connections),
    parseModes(a.modes),
    settings.stubMs,
    target,
  );
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
          if (!server || server.exitedAt() !== null) {
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
              `  → ${record.verdict.pass ? "PASS" : "FAIL"} ${int(m.rps)} rps · p99 ${(m.latencyUs.p99 / 1000).toFixed(1)} ms · bound ${record.bound}${record.verdict.pass ? "" : ` · ${record.verdict.reasons.map((r) => r.split(":")[0]).join(", ")}`} · ${rd}`,
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
