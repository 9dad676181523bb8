// `make lb-cost`: the same paced shape direct to one server and through HAProxy, interleaved rounds → results/lb-cost-<stamp>/.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { stamp } from "./lib/contract/run-id.ts";
import { AtomicDir } from "./lib/core/atomic.ts";
import { InvalidRun } from "./lib/core/cli.ts";
import { type Args, driver } from "./lib/core/driver.ts";
import { checkInterrupted, interruptSignal, whenInterrupted } from "./lib/core/interrupt.ts";
import type { Values } from "./lib/core/options.ts";
import { sleep } from "./lib/core/sleep.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { runArm } from "./lib/load/lb-cost-run.ts";
import { lbCostTable, summarizeLbCost } from "./lib/load/lb-cost-summary.ts";
import { type Arm, type ArmRun, errorCount, type LbCostSetup } from "./lib/load/lb-cost-types.ts";
import { gitInfo, machineInfo } from "./lib/machine/info.ts";
import { type FleetLab, startFleetLab } from "./lib/placement/fleet-lab.ts";
import { type FleetNetns, withFleetNetns } from "./lib/placement/fleet-netns.ts";
import { pinThisProcess } from "./lib/placement/local.ts";
import { requireGenerator, wrkPath } from "./lib/processes/generator-build.ts";
import { fetchLabStats } from "./lib/processes/lab-stats.ts";

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const cli = {
  name: "lb-cost",
  usage:
    "$0 [options] — paced load direct to one server and through HAProxy, interleaved (root: netns); exit 0 ran, 1 a run's cross-check or errors failed, 2 bad option, 130 Ctrl-C",
  options: [
    ...["connections", "target-rps", "duration", "warmup", "cooldown", "timeout", "threads"],
    ...["workers", "stub-ms", "port", "repeats", "server-cpus", "generator-cpus", "results-dir", "write"],
  ] as const,
  // NOTE: a shape this 2-CPU box holds with every side under 90 %: server and HAProxy together on CPU 1, wrk
  // alone on CPU 0, so wrk's timing (the latency both arms are judged by) never waits behind the LB.
  overrides: {
    ...{ connections: 4000, "target-rps": 4000, duration: "20s", warmup: "0", cooldown: "3s" },
    ...{ repeats: 3, "server-cpus": "1", "generator-cpus": "0" },
  },
  slo: loadSlo,
};

/** The parsed options, as the driver hands them to main and main to each step. */
type A = Args<Values<(typeof cli.options)[number], typeof cli.overrides>>;

/** The LB's fd budget: what one HAProxy can hold here is its own check (haproxy.ts); wrk's is one shard's. */
function checkShape(a: A): void {
  if (a.connections > a["target-rps"] * 10) {
    throw new InvalidRun(
      `--connections ${a.connections} at --target-rps ${a["target-rps"]}: each connection would wait over 10 s between requests, beyond HAProxy's client timeout margin — raise the rate`,
    );
  }
}

interface Lab {
  fleet: FleetNetns;
  lab: FleetLab;
}

async function setupOf(a: A, l: Lab, outDir: string, driverCpus: number[] | null): Promise<LbCostSetup> {
  const [member] = l.lab.members;
  const [client] = l.fleet.clients;
  if (!member || !client) throw new Error("the fleet has no server or no client host");
  const stats = await fetchLabStats(member.server.statsBase);
  return {
    ...{ client, port: a.port, wrk: wrkPath(), connections: a.connections, rps: a["target-rps"] },
    server: {
      host: member.host,
      statsBase: member.server.statsBase,
      pids: [member.server.pid, ...stats.pids],
    },
    lb: { host: l.fleet.lb, running: l.lab.lb },
    ...{ durationS: a.duration, threads: a.threads, timeoutS: a.timeout, stubMs: a["stub-ms"] },
    ...{ driverCpus, outDir, signal: interruptSignal() },
  };
}

// NOTE: ABBA order (direct first in odd rounds, the LB first in even ones): a drift of the machine over the
// rounds (another tenant, a warming cache) then lands on both arms alike instead of always on the second.
const orderOf = (round: number): Arm[] => (round % 2 === 1 ? ["direct", "lb"] : ["lb", "direct"]);

async function rounds(a: A, s: LbCostSetup): Promise<ArmRun[]> {
  const pause = (): Promise<void> => Promise.race([sleep(a.cooldown * 1000), whenInterrupted(s.signal)]);
  if (a.warmup > 0) {
    const scratch = mkdtempSync(join(os.tmpdir(), "lb-cost-warmup-"));
    try {
      for (const arm of orderOf(1)) {
        log(`warm-up ${arm} ${a.warmup} s (not recorded)`);
        await runArm({ ...s, durationS: a.warmup, outDir: scratch }, arm, 0);
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const runs: ArmRun[] = [];
  for (let round = 1; round <= a.repeats; round++) {
    for (const arm of orderOf(round)) {
      checkInterrupted(s.signal);
      if (runs.length > 0 || a.warmup > 0) await pause();
      const r = await runArm(s, arm, round);
      log(
        `round ${round} ${arm.padEnd(6)} p99 ${(r.wrk.latencyUs.p99 / 1000).toFixed(1)} ms, server ${r.usPerRequest.server.toFixed(1)} µs/req, HAProxy ${r.usPerRequest.lb.toFixed(1)} µs/req, wrk ${r.usPerRequest.wrk.toFixed(1)} µs/req, sockets client ${r.sockets.clientToTarget} LB ${r.sockets.lbAccepted}+${r.sockets.lbToServer} server ${r.sockets.serverFromClient + r.sockets.serverFromLb}${r.crossCheck.ok ? "" : " CROSS-CHECK FAILED"}`,
      );
      runs.push(r);
    }
  }
  return runs;
}

function recordOf(a: A, startedAt: Date, id: string, l: Lab, s: LbCostSetup, runs: ArmRun[]) {
  const host = (h: { ns: string; address: string; cpus: number[] | null }) => ({
    ns: h.ns,
    address: h.address,
    cpus: h.cpus,
  });
  return {
    ...{ schema: "lb-cost/1", id, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString() },
    ...{ git: gitInfo(), machine: machineInfo(s.wrk), generatorBuild: requireGenerator(s.wrk) },
    haproxy: { version: l.lab.lb.version, nbthread: 1, config: readFileSync(l.lab.lb.configPath, "utf8") },
    shape: {
      ...{ mode: "paced", connections: a.connections, targetRps: a["target-rps"], durationS: a.duration },
      ...{ warmupS: a.warmup, cooldownS: a.cooldown, threads: a.threads, shards: 1, timeoutS: a.timeout },
      ...{
        stubMs: a["stub-ms"],
        workers: a.workers,
        rounds: a.repeats,
        order: "ABBA: direct first in odd rounds",
      },
    },
    placement: {
      kind: "netns",
      ...{
        server: host(s.server.host),
        lb: host(s.lb.host),
        client: host(s.client),
        driverCpus: s.driverCpus,
      },
    },
    pids: { server: s.server.pids, lb: s.lb.running.pid },
    summary: summarizeLbCost(runs),
    runs,
  };
}

async function measure(a: A, dir: AtomicDir | null, outDir: string, startedAt: Date, id: string) {
  const serverCpus = a["server-cpus"] ?? null;
  const clientCpus = a["generator-cpus"] ?? null;
  const driverCpus = clientCpus ? pinThisProcess(clientCpus) : null;
  const shape = { servers: 1, clients: 1, serverCpus, lbCpus: serverCpus, clientCpus };
  return withFleetNetns({ ...shape, signal: interruptSignal() }, async (fleet) => {
    // NOTE: one HAProxy process (its pid is the LB's CPU, fds and sockets below): the cost of one LB process per
    // request; --connections above one process's fd budget is refused by startHaproxy.
    const lab = await startFleetLab({
      ...{ fleet, workers: a.workers, port: a.port, stubMs: a["stub-ms"] },
      ...{ connections: a.connections, nbthread: 1, lbProcesses: 1 },
    });
    try {
      const s = await setupOf(a, { fleet, lab }, outDir, driverCpus);
      log(
        `lb-cost: ${a.connections} connections at ${a["target-rps"]} req/s for ${a.duration} s, ${a.repeats} rounds; server ${s.server.host.address} + HAProxy ${s.lb.host.address} on CPUs ${serverCpus ?? "all"}, wrk on ${clientCpus ?? "all"}`,
      );
      const runs = await Promise.race([rounds(a, s), whenInterrupted(s.signal)]);
      const rec = recordOf(a, startedAt, id, { fleet, lab }, s, runs);
      dir?.write("lb-cost.json", `${JSON.stringify(rec, null, 1)}\n`);
      return rec;
    } finally {
      await lab.stop();
    }
  });
}

await driver(cli, async (a) => {
  checkShape(a);
  requireGenerator(wrkPath());
  const startedAt = new Date();
  const id = `lb-cost-${stamp(startedAt)}`;
  const dir = a.write ? new AtomicDir(a["results-dir"], id) : null;
  const outDir = dir?.tmp ?? mkdtempSync(join(os.tmpdir(), "lb-cost-"));
  try {
    const rec = await measure(a, dir, outDir, startedAt, id);
    const table = lbCostTable(rec.summary);
    dir?.write(
      "summary.txt",
      `${id} · git ${rec.git.commit?.slice(0, 10) ?? "?"}${rec.git.dirty ? " (dirty)" : ""}\n\n${table}\n`,
    );
    process.stdout.write(`\n${table}\n`);
    if (dir) process.stdout.write(`\nwritten: ${dir.commit()}/lb-cost.json\n`);
    const bad = rec.runs.filter((r) => !r.crossCheck.ok || errorCount(r.wrk.errors) > 0);
    return bad.length === 0
      ? 0
      : {
          code: 1,
          says: `FAIL (${bad.map((r) => `${r.arm} round ${r.round}`).join(", ")}: errors or cross-check)`,
        };
  } catch (e) {
    dir?.abandon();
    throw e;
  } finally {
    if (!dir) rmSync(outDir, { recursive: true, force: true });
  }
});
