// `make compare`: the same stub, workers and connections on uWS, a node:http cluster and FastAPI + uvicorn, in turn.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { loadSlo, type Slo } from "./lib/contract/slo.ts";
import { InvalidRun, parseArgs, parseDuration, positiveInt, runMain } from "./lib/core/cli.ts";
import type { CompareRecord } from "./lib/planning/compare-report.ts";
import { type CompareInput, comparePeers, writeComparison } from "./lib/planning/compare-run.ts";
import { PEERS, type Peer } from "./lib/processes/peer.ts";
import { stamp } from "./lib/results/run-dir.ts";

await runMain(async () => {
  const slo = loadSlo();
  const a = parseArgs(
    yargs(hideBin(process.argv))
      .scriptName("compare")
      .usage(
        "$0 [options] — exit 0 when every server was measured (verdicts are data), 2 bad options, 130 Ctrl-C",
      )
      .option("workers", { type: "string", default: "2" })
      .option("connections", { type: "string", default: String(slo.connections) })
      .option("mode", { choices: ["saturate", "paced"], default: "saturate" })
      .option("target-rps", {
        type: "string",
        default: String(slo.targetRps),
        desc: "SLO target (paced: the rate)",
      })
      .option("duration", { type: "string", default: "10s" })
      .option("warmup", { type: "string", default: "3s" })
      .option("cooldown", { type: "string", default: "5s", desc: "pause between servers" })
      .option("threads", { type: "string", default: "2", desc: "wrk -t per shard" })
      .option("stub-ms", { type: "string", default: String(slo.stubMs) })
      .option("budget-ms", { type: "string", default: String(slo.overheadBudgetMs) })
      .option("peers", { type: "string", default: PEERS.join(","), desc: "which servers, in order" })
      .option("results-dir", { type: "string", default: "results" }),
  );
  const input = compareInput(a, slo);
  writeComparison(input, await comparePeers(input));
  return 0;
});

interface CompareArgs {
  workers: string;
  connections: string;
  mode: string;
  "target-rps": string;
  duration: string;
  warmup: string;
  cooldown: string;
  threads: string;
  "stub-ms": string;
  "budget-ms": string;
  peers: string;
  "results-dir": string;
}

/** The options checked (a bad value: one line, exit 2) and the comparison's id. */
function compareInput(a: CompareArgs, slo: Slo): CompareInput {
  const peers = [...new Set(a.peers.split(",").map((p) => p.trim()))] as Peer[];
  for (const p of peers)
    if (!PEERS.includes(p)) throw new InvalidRun(`--peers takes ${PEERS.join(", ")}, got "${p}"`);
  const settings: CompareRecord["settings"] = {
    workers: positiveInt("workers", a.workers, 1, 64),
    connections: positiveInt("connections", a.connections, 1, 1_000_000),
    mode: a.mode,
    stubMs: positiveInt("stub-ms", a["stub-ms"], 1, 60_000),
    budgetMs: positiveInt("budget-ms", a["budget-ms"], 0, 60_000),
    targetRps: positiveInt("target-rps", a["target-rps"], 1, 10_000_000),
    durationS: parseDuration("duration", a.duration),
    warmupS: parseDuration("warmup", a.warmup),
    threads: positiveInt("threads", a.threads, 1, 64),
  };
  if (settings.durationS < 1) throw new InvalidRun("--duration must be at least 1s");
  const cooldownMs = parseDuration("cooldown", a.cooldown) * 1000;
  const startedAt = new Date();
  const id = `${stamp(startedAt)}-w${settings.workers}-c${settings.connections}-${settings.mode}`;
  return { id, startedAt, peers, settings, cooldownMs, resultsDir: a["results-dir"], slo };
}
