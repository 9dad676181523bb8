// Scenario: Ctrl-C of a load run and of the lab at several moments — exit 130, no process, no half result.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { type ChaosServer, spawnTagged, startLabServer, waitNoStrays } from "../lib/chaos/procs.ts";
import { at, type ChaosContext, type Scenario } from "../lib/chaos/scenario.ts";
import { sleep } from "../lib/core/sleep.ts";
import { freePort } from "../lib/processes/server.ts";

const EXIT_WITHIN_MS = 15_000;
const LOAD = [
  "--connections",
  "200",
  "--target-rps",
  "400",
  "--duration",
  "3s",
  "--warmup",
  "1s",
  "--threads",
  "1",
];

interface Trial {
  what: string;
  atMs: number;
  exit: string;
  strays: number;
  leftovers: string[];
  pass: boolean;
}

/** Leftovers of an interrupted run: temp dirs, or result dirs without a result.json. */
function leftovers(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter(
      (d) =>
        d.name.startsWith(".tmp-") ||
        (d.isDirectory() && !readdirSync(join(dir, d.name)).includes("result.json")),
    )
    .map((d) => d.name);
}

// NOTE: SIGINT goes to the driver's whole process group, as a terminal's Ctrl-C does (wrk included).
// Before the driver installed its handler (tsx still loading) node dies of the signal: also clean.
async function trial(what: string, script: string, args: string[], atMs: number, i: number): Promise<Trial> {
  const results = mkdtempSync(join(os.tmpdir(), "chaos-ctrlc-"));
  const subtag = `-ctrlc-${i}`;
  try {
    const c = spawnTagged(
      process.execPath,
      ["--import", "tsx", script, ...args, "--results-dir", results],
      {},
      subtag,
    );
    await sleep(atMs);
    c.signalGroup("SIGINT");
    const kill = setTimeout(() => c.signalGroup("SIGKILL"), EXIT_WITHIN_MS);
    const e = await c.exited;
    clearTimeout(kill);
    const left = await waitNoStrays(1000, subtag);
    for (const s of left) process.kill(s.pid, "SIGKILL");
    const lo = leftovers(results);
    const exit = e.code !== null ? String(e.code) : String(e.signal);
    const pass = (e.code === 130 || e.signal === "SIGINT") && left.length === 0 && lo.length === 0;
    return { what, atMs, exit, strays: left.length, leftovers: lo, pass };
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}

export const ctrlC: Scenario = {
  name: "lab-ctrl-c",
  async run(ctx: ChaosContext) {
    const p = at(ctx, {
      small: { loadtest: [400, 2500], lab: [3000] },
      moderate: { loadtest: [300, 1500, 2500, 4500], lab: [700, 3000, 6000] },
    });
    const trials: Trial[] = [];
    let srv: ChaosServer | null = null;
    try {
      srv = await startLabServer({ workers: 2, cpus: ctx.serverCpus });
      for (const t of p.loadtest) {
        const args = ["--url", `${srv.url}/ping/`, "--mode", "paced", ...LOAD, ...ctx.placementArgs];
        trials.push(await trial("loadtest", "scripts/loadtest.ts", args, t, trials.length));
        ctx.log(`ctrl-c loadtest at ${t} ms: ${JSON.stringify(trials.at(-1))}`);
      }
    } finally {
      await (srv as ChaosServer | null)?.stop();
    }
    for (const t of p.lab) {
      const port = String(await freePort());
      const args = ["--workers", "2", "--port", port, "--modes", "paced", ...LOAD, ...ctx.placementArgs];
      trials.push(await trial("lab", "scripts/lab.ts", args, t, trials.length));
      ctx.log(`ctrl-c lab at ${t} ms: ${JSON.stringify(trials.at(-1))}`);
    }
    const good = trials.filter((t) => t.pass).length;
    const bad = trials
      .filter((t) => !t.pass)
      .map(
        (t) =>
          `${t.what}@${t.atMs}ms: exit ${t.exit}, ${t.strays} strays, ${t.leftovers.join(" ") || "no leftovers"}`,
      );
    return {
      expectation:
        "Ctrl-C of loadtest / lab at any moment: exit 130, no server or wrk left, no .tmp-* or partial result",
      measured: `${good}/${trials.length} clean (loadtest at ${p.loadtest.join(", ")} ms; lab at ${p.lab.join(", ")} ms)${bad.length ? `; ${bad.join("; ")}` : ""}`,
      pass: good === trials.length,
      figures: {
        trials: trials.length,
        clean: good,
        strays: trials.reduce((a, t) => a + t.strays, 0),
        leftovers: trials.reduce((a, t) => a + t.leftovers.length, 0),
        exits: trials.map((t) => `${t.what}@${t.atMs}:${t.exit}`).join(" "),
      },
    };
  },
};
