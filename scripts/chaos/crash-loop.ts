// Scenario: workers that die at start — the primary gives up after bounded retries, clear line, non-zero exit.
import { spawnLabServer, waitNoStrays } from "../lib/chaos/procs.ts";
import type { ChaosContext, Scenario } from "../lib/chaos/scenario.ts";
import { ms } from "../lib/chaos/scenario.ts";
import { freePort } from "../lib/processes/server.ts";

const WITHIN_MS = 10_000;

export const crashLoop: Scenario = {
  name: "crash-loop",
  async run(ctx: ChaosContext) {
    const port = await freePort();
    const t0 = performance.now();
    const c = spawnLabServer(
      ["--workers", "2", "--port", String(port)],
      ctx.serverCpus,
      undefined,
      { LAB_CRASH_AT_START: "1" },
      "-crash-loop",
    );
    const timer = setTimeout(() => c.signalGroup("SIGKILL"), WITHIN_MS * 3);
    const exit = await c.exited;
    clearTimeout(timer);
    const exitMs = (c.exitedAt() ?? performance.now()) - t0;
    const line = /^.*crash loop: (\d+) worker deaths.*$/m.exec(c.output());
    const deaths = Number(line?.[1] ?? 0);
    const left = await waitNoStrays(2000, "-crash-loop");
    const pass =
      exit.code !== 0 && exit.code !== null && exitMs <= WITHIN_MS && deaths > 0 && left.length === 0;
    return {
      expectation: `non-zero exit ≤ ${WITHIN_MS / 1000} s with a "crash loop" line; no worker left`,
      measured: `exit ${exit.code ?? exit.signal} after ${ms(exitMs)}, ${deaths} deaths: "${(line?.[0] ?? "no crash-loop line").replace(/^server: /, "").trim()}"; ${left.length} left`,
      pass,
      figures: { exitCode: exit.code, exitMs, deaths, strays: left.length },
    };
  },
};
