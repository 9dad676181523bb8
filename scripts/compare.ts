// `make compare`: the same stub, workers and connections on uWS, a node:http cluster and FastAPI + uvicorn, in turn.
import type { CompareRecord } from "./lib/compare/compare-report.ts";
import { type CompareInput, comparePeers, writeComparison } from "./lib/compare/compare-run.ts";
import { stamp } from "./lib/contract/run-id.ts";
import { driver } from "./lib/core/driver.ts";
import { LOAD_OPTIONS, PLACEMENT_OPTIONS } from "./lib/core/options.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { localPlacement } from "./lib/placement/local.ts";
import { PEERS, type Peer } from "./lib/processes/peer.ts";
import { runPage } from "./lib/report/run-page-lazy.ts";

const cli = {
  name: "compare",
  usage:
    "$0 [options] — exit 0 when every server was measured (verdicts are data), 2 bad options, 130 Ctrl-C",
  options: [
    "workers",
    ...LOAD_OPTIONS,
    ...["cooldown", "stub-ms", "peers", "results-dir"],
    ...PLACEMENT_OPTIONS,
  ] as const,
  overrides: {
    workers: 2,
    duration: "10s",
    warmup: "3s",
    peers: { default: PEERS.join(","), allowed: PEERS },
  },
  slo: loadSlo,
};

await driver(cli, async (a, slo) => {
  const settings: CompareRecord["settings"] = {
    workers: a.workers,
    connections: a.connections,
    mode: a.mode,
    stubMs: a["stub-ms"],
    budgetMs: a["budget-ms"],
    targetRps: a["target-rps"],
    durationS: a.duration,
    warmupS: a.warmup,
    threads: a.threads,
  };
  const startedAt = new Date();
  const input: CompareInput = {
    runPage,
    id: `${stamp(startedAt)}-w${settings.workers}-c${settings.connections}-${settings.mode}`,
    startedAt,
    peers: a.peers as Peer[],
    settings,
    cooldownMs: a.cooldown * 1000,
    resultsDir: a["results-dir"],
    slo,
    placement: localPlacement(a),
  };
  writeComparison(input, await comparePeers(input));
  return 0;
});
