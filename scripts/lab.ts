// `make lab`: start the server (4 workers), run paced 20k RPS and saturate 20k connections, stop it, compare.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import type { Mode, ResultRecord } from "./lib/contract/record.ts";
import { loadSlo, type Slo } from "./lib/contract/slo.ts";
import { InvalidRun, parseArgs, parseDuration, positiveInt, runMain } from "./lib/core/cli.ts";
import { int } from "./lib/core/format.ts";
import { checkInterrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
import { sleep } from "./lib/load/live.ts";
import { runLoad } from "./lib/load/run.ts";
import { type RunningServer, startServer } from "./lib/processes/server.ts";
import { summaryText } from "./lib/results/summary.ts";

const COOL_DOWN_MS = 5000;

function sideBySide(runs: { mode: Mode; record: ResultRecord; dir: string }[]): string {
  const rows: [string, (r: ResultRecord) => string][] = [
    ["verdict", (r) => (r.verdict.pass ? "PASS" : "FAIL")],
    ["steady rps", (r) => int(r.measurements.rps)],
    ["of Little ceiling", (r) => (r.measurements.rps / r.measurements.littleCeilingRps).toFixed(3)],
    ["p99 µs", (r) => int(r.measurements.latencyUs.p99)],
    ["over-stub p99 µs", (r) => int(r.measurements.overStubUs.p99)],
    ["errors", (r) => int(Object.values(r.measurements.errors).reduce((a, v) => a + v, 0))],
    ["connections up", (r) => int(r.measurements.connectionsEstablished)],
    [
      "server / wrk cpu %",
      (r) => `${r.measurements.cpu.serverPct.toFixed(0)} / ${r.measurements.cpu.generatorPct.toFixed(0)}`,
    ],
    ["bound", (r) => r.bound],
    ["failed rules", (r) => r.verdict.reasons.map((x) => x.split(":")[0]).join(", ") || "-"],
  ];
  const head = `${"".padEnd(20)}${runs.map((r) => r.mode.padEnd(16)).join("")}`;
  const body = rows.map(([k, f]) => `${k.padEnd(20)}${runs.map((r) => f(r.record).padEnd(16)).join("")}`);
  return [head, ...body, "", ...runs.map((r) => `${r.mode}: ${r.dir}/result.json`)].join("\n");
}

await runMain(async () => {
  const slo = loadSlo();
  const a = parseArgs(
    yargs(hideBin(process.argv))
      .scriptName("lab")
      .usage("$0 [options] — exit 0 when the paced run PASSes, 1 when it FAILs, 2 when a run is invalid")
      .option("workers", { type: "string", default: "4" })
      .option("port", { type: "string", default: "8000" })
      .option("connections", { type: "string", default: String(slo.connections) })
      .option("target-rps", { type: "string", default: String(slo.targetRps) })
      .option("duration", { type: "string", default: `${slo.durationS}s` })
      .option("warmup", { type: "string", default: "5s" })
      .option("threads", { type: "string", default: "2", desc: "wrk -t per shard" })
      .option("modes", { type: "string", default: "paced,saturate" })
      .option("results-dir", { type: "string", default: "results" }),
  );
  return runLab(labInput(a, slo));
});

interface LabArgs {
  workers: string;
  port: string;
  connections: string;
  "target-rps": string;
  duration: string;
  warmup: string;
  threads: string;
  modes: string;
  "results-dir": string;
}

interface LabInput {
  modes: Mode[];
  runSlo: Slo;
  workers: number;
  port: number;
  threads: number;
  warmupS: number;
  resultsDir: string;
}

function labInput(a: LabArgs, slo: Slo): LabInput {
  const modes = a.modes.split(",").map((m) => m.trim());
  for (const m of modes)
    if (m !== "paced" && m !== "saturate")
      throw new InvalidRun(`--modes takes paced and/or saturate, got "${m}"`);
  const durationS = parseDuration("duration", a.duration);
  const runSlo = {
    ...slo,
    connections: positiveInt("connections", a.connections, 1, 1_000_000),
    targetRps: positiveInt("target-rps", a["target-rps"], 1, 10_000_000),
    durationS,
  };
  // NOTE: every option is checked before the server starts: a bad value is one line, nothing started.
  const workers = positiveInt("workers", a.workers, 1, 64);
  const port = positiveInt("port", a.port, 1, 65535);
  const threads = positiveInt("threads", a.threads, 1, 64);
  const warmupS = parseDuration("warmup", a.warmup);
  return { modes: modes as Mode[], runSlo, workers, port, threads, warmupS, resultsDir: a["results-dir"] };
}

/** Start the server, run each mode with a cool-down between, stop it; exit code from the paced run. */
async function runLab(i: LabInput): Promise<number> {
  const signal = interruptSignal();
  let server: RunningServer | null = null;
  try {
    server = await startServer({
      workers: i.workers,
      port: i.port,
      stubMs: i.runSlo.stubMs,
    }).catch((e: Error) => {
      throw new InvalidRun(`the server did not start: ${e.message.split("\n").slice(-1)[0]}`);
    });
    process.stderr.write(`server: ${server.output().trim()}\n`);
    const runs: { mode: Mode; record: ResultRecord; dir: string }[] = [];
    for (const mode of i.modes) {
      checkInterrupted(signal);
      if (runs.length > 0) await Promise.race([sleep(COOL_DOWN_MS), whenInterrupted(signal)]);
      const { record, dir } = await runLoad({
        url: `${server.url}/ping/`,
        mode,
        threads: i.threads,
        shards: 0,
        warmupS: i.warmupS,
        timeoutS: 2,
        resultsDir: i.resultsDir,
        slo: i.runSlo,
      });
      process.stderr.write(`\n${summaryText(record, dir)}\n\n`);
      runs.push({ mode, record, dir });
    }
    process.stdout.write(`\n${sideBySide(runs)}\n`);
    const paced = runs.find((r) => r.mode === "paced") ?? runs[0];
    return paced?.record.verdict.pass ? 0 : 1;
  } finally {
    await (server as RunningServer | null)?.stop(); // drains, then exits; also on failure and Ctrl-C
  }
}
