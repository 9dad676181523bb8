// docs/tuning.md's experiment: saturate 20k connections across somaxconn, workers and the ephemeral port range.
import { InvalidRun } from "./lib/core/cli.ts";
import { driver } from "./lib/core/driver.ts";
import { loadSlo } from "./lib/core/slo.ts";
import { drainTimeWait } from "./lib/load/time-wait.ts";
import { readRaw, writeRaw } from "./lib/machine/sysctl-raw.ts";
import { type RunningServer, startServer } from "./lib/processes/server.ts";
import { runPage } from "./lib/report/run-page-lazy.ts";
import { runLoad } from "./lib/results/run.ts";

interface Case {
  workers: number;
  somaxconn: string;
  portRange: string;
}

const WIDE = "1024 65535";
const DEBIAN = "32768 60999";
// NOTE: somaxconn × workers with the wide port range (so ports are not the limit), then the default range.
const CASES: Case[] = [
  { workers: 4, somaxconn: "128", portRange: WIDE },
  { workers: 4, somaxconn: "4096", portRange: WIDE },
  { workers: 2, somaxconn: "128", portRange: WIDE },
  { workers: 2, somaxconn: "4096", portRange: WIDE },
  { workers: 4, somaxconn: "4096", portRange: DEBIAN },
];
const KEYS = ["net.core.somaxconn", "net.ipv4.ip_local_port_range"] as const;

async function runCase(c: Case, slo: ReturnType<typeof loadSlo>, resultsDir: string): Promise<string> {
  writeRaw("net.core.somaxconn", c.somaxconn);
  writeRaw("net.ipv4.ip_local_port_range", c.portRange);
  // NOTE: each case starts from a clean port table: TIME_WAIT sockets of the previous case (60 s) would
  // otherwise decide how fast the next case connects.
  await drainTimeWait(slo.connections, (l) => process.stderr.write(`${l}\n`), true);
  // NOTE: a listen socket takes min(512, somaxconn) at listen() time: start the server after the write.
  let server: RunningServer | null = null;
  try {
    server = await startServer({ workers: c.workers, stubMs: slo.stubMs });
    const { record } = await runLoad({
      runPage,
      url: `${server.url}/ping/`,
      mode: "saturate",
      threads: 2,
      shards: 0,
      warmupS: 0,
      timeoutS: 2,
      resultsDir,
      slo,
    });
    const m = record.measurements;
    const d = m.kernel.netstatDelta;
    const cells = [
      c.workers,
      c.somaxconn,
      c.portRange.replace(" ", "–"),
      Math.min(512, Number(c.somaxconn)) * c.workers,
      d["TcpExt.ListenOverflows"] ?? 0,
      d["TcpExt.TCPSynRetrans"] ?? 0,
      `${m.errors.connect} / ${m.errors.read}`,
      m.connectedAtS ?? "never",
      Math.round(m.rps),
      m.latencyUs.p99,
      `[${record.id}](../results/${record.id}/result.json)`,
    ];
    return `| ${cells.join(" | ")} |`;
  } finally {
    await server?.stop();
  }
}

const cli = {
  name: "backlog-experiment",
  usage: "$0 — root: one saturate run per case; the sysctls it touches are restored afterwards",
  options: ["connections", "duration", "results-dir"] as const,
  overrides: { connections: 20000, duration: "15s" },
  slo: loadSlo,
};

await driver(cli, async (a, slo) => {
  if (process.getuid?.() !== 0) throw new InvalidRun("the experiment sets sysctls: run it as root (sudo)");
  const runSlo = { ...slo, connections: a.connections, durationS: a.duration };
  const original = KEYS.map((k) => [k, readRaw(k)] as const);
  const rows: string[] = [];
  try {
    for (const c of CASES) rows.push(await runCase(c, runSlo, a["results-dir"]));
  } finally {
    for (const [k, v] of original) writeRaw(k, v);
  }
  const head =
    "| workers | somaxconn | port range | accept backlog | ListenOverflows | SYN retransmits | connect / read errors | all connected by (s) | steady rps | p99 µs | run |";
  process.stdout.write(`${head}\n|${"---|".repeat(11)}\n${rows.join("\n")}\n`);
  return 0;
});
