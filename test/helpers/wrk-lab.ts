// The real wrk against a tiny local node:http server, for the template tests: the server, wrk runs, parsed reports.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { parseReport } from "../../scripts/lib/processes/wrk-report.ts";
import { type Captured, start } from "./cli.ts";

const WRK_DIR = fileURLToPath(new URL("../../configs/wrk/", import.meta.url));
export const REPORT_LUA = join(WRK_DIR, "report.lua");
export const PACED_LUA = join(WRK_DIR, "paced.lua");
const children = new Set<ChildProcess>();
const closers: (() => void)[] = [];
/** this file's scratch directory (made before the tests, removed after) */
export let tmp = "";

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), "wrk-templates-"));
});
after(async () => {
  for (const c of children) c.kill("SIGKILL");
  for (const close of closers) close();
  await rm(tmp, { recursive: true, force: true });
});

export interface Lab {
  url: string;
  arrivals: number[]; // performance.now() ms per request
  perConn: Map<number, number>; // client port -> requests
}

/** Tiny server: the n-th request (1-based) is answered after delayMs(n) ms, or never when null. */
export async function startServer(delayMs: (n: number) => number | null = () => 20): Promise<Lab> {
  const lab: Lab = { url: "", arrivals: [], perConn: new Map() };
  const server = createServer((req, res) => {
    lab.arrivals.push(performance.now());
    const port = req.socket.remotePort ?? 0;
    lab.perConn.set(port, (lab.perConn.get(port) ?? 0) + 1);
    const ms = delayMs(lab.arrivals.length);
    if (ms !== null) setTimeout(() => res.end("ok"), ms);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  lab.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return lab;
}

/** Runs wrk (killed after limitMs). Inherited WRK_REPORT* / PACED_* are dropped; env adds the wanted ones. */
export function runWrk(
  args: string[],
  env: Record<string, string>,
  limitMs = 8000,
  bin = "wrk",
): Promise<Captured> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(WRK_REPORT|PACED_)/.test(k)),
  ) as NodeJS.ProcessEnv;
  const wrk = start(bin, args, { baseEnv: base, env, timeoutMs: limitMs, killSignal: "SIGKILL" });
  children.add(wrk.child);
  return wrk.done.finally(() => children.delete(wrk.child));
}

export async function runReport(
  lab: Lab,
  name: string,
  wrkArgs: string[],
  env: Record<string, string> = {},
  bin = "wrk",
) {
  const out = join(tmp, `${name}.json`);
  const script = "PACED_RATE" in env ? PACED_LUA : REPORT_LUA;
  const run = await runWrk(
    [...wrkArgs, "--timeout", "2s", "-s", script, lab.url],
    { WRK_REPORT: out, ...env },
    8000,
    bin,
  );
  assert.equal(run.code, 0, `wrk failed: ${run.stderr}`);
  return parseReport(await readFile(out, "utf8"));
}
