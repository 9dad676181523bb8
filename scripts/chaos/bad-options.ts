// Scenario: every CLI rejects bad option values — exit 2 and one line naming the option, nothing started.
import { type Child, spawnTagged, waitNoStrays } from "../lib/chaos/procs.ts";
import type { ChaosContext, Scenario } from "../lib/chaos/scenario.ts";
import { shSync } from "../lib/core/shell.ts";
import { freePort } from "../lib/processes/server.ts";

const EXIT_WITHIN_MS = 20_000;
const PARALLEL = 3;

interface Case {
  script: string;
  args: string[];
  /** the error line must match this (the option's name), so an unrelated exit 2 is no pass */
  names: RegExp;
  env?: NodeJS.ProcessEnv;
  small?: boolean;
  /** run in an empty network namespace: nothing can leave the machine even if the guard failed */
  isolated?: boolean;
}

type Make = (args: string[], names: RegExp, small?: boolean) => Case;

/** Cases of one CLI: its script, and the safe arguments every case of it carries before its own. */
const maker =
  (script: string, safe: string[]): Make =>
  (args, names, small = false) => ({ script, args: [...safe, ...args], names, small });

// NOTE: each case also carries safe values for everything else (a free port, a closed loopback URL, a
// tiny run), so an option wrongly accepted can never start real load or a server on the default port.
function cases(port: number): Case[] {
  return [...serverCases(port), ...loadCases(port), ...otherCases(port)];
}

function serverCases(port: number): Case[] {
  const srv = maker("server/main.ts", ["--port", String(port)]);
  return [
    srv(["--workers", "0"], /--workers/, true),
    srv(["--workers", "abc"], /--workers/),
    srv(["--workers", "1.5"], /--workers/),
    srv(["--port", ""], /--port/),
    srv(["--port", "70000"], /--port/),
    srv(["--stub-ms", "-1"], /--stub-ms/),
    srv(["--host", "nowhere"], /--host/),
    srv(["--max-deaths", "-1"], /--max-deaths/),
    srv(["--death-window-s", "0"], /--death-window-s/),
    srv(["--fd-guard", "maybe"], /--fd-guard/),
    srv(["--bogus"], /bogus/, true),
    { ...srv([], /--workers/), env: { WORKERS: "many" } },
  ];
}

const TINY = ["--connections", "10", "--duration", "1s", "--warmup", "0"];

function loadCases(port: number): Case[] {
  const lt = maker("scripts/loadtest.ts", ["--url", `http://127.0.0.1:${port}/ping/`, ...TINY]);
  return [
    lt(["--connections", "abc"], /--connections/, true),
    lt(["--connections", "0"], /--connections/),
    lt(["--threads", "0"], /--threads/),
    lt(["--duration", "soon"], /--duration/),
    lt(["--duration", "500ms"], /--duration/),
    lt(["--warmup=-1s"], /--warmup/),
    lt(["--target-rps", "1.5"], /--target-rps/),
    lt(["--budget-ms", "-1"], /--budget-ms/),
    lt(["--timeout", "never"], /--timeout/),
    lt(["--mode", "fast"], /mode/, true),
    lt(["--shards", "-1"], /--shards/),
    lt(["--shards", ""], /--shards/, true),
    lt(["-c", "1.5"], /--connections/),
    lt(["--url", "not a url"], /--url/),
    lt(["--url", "ftp://127.0.0.1/"], /--url/),
    { ...lt(["--url", "http://192.0.2.1:8000/ping/"], /--url|loopback/), isolated: true },
    lt(["--bogus"], /bogus/),
  ];
}

function otherCases(port: number): Case[] {
  const lab = maker("scripts/lab.ts", ["--port", String(port), ...TINY]);
  const doc = maker("scripts/doctor.ts", []);
  // NOTE: tune.ts writes /proc/sys as root: only invalid invocations here, never a real profile.
  const tune = maker("scripts/tune.ts", []);
  return [
    lab(["--workers", "0"], /--workers/, true),
    lab(["--port", "99999"], /--port/),
    lab(["--connections", "abc"], /--connections/),
    lab(["--modes", "fast"], /--modes/),
    lab(["--duration", "soon"], /--duration/),
    lab(["--threads", "0"], /--threads/),
    lab(["--workers", ""], /--workers/),
    lab(["--warmup", "later"], /--warmup/),
    lab(["--target-rps", "0"], /--target-rps/),
    doc(["--connections", "abc"], /--connections/, true),
    doc(["--workers", "0"], /--workers/),
    doc(["--threads", "0"], /--threads/),
    doc(["--shards", "-1"], /--shards/),
    doc(["--url", "not a url"], /--url/),
    doc(["--bogus"], /bogus/),
    tune([], /command|argument/, true),
    tune(["bogus"], /bogus/),
    tune(["tune", "--bogus"], /bogus/),
    tune(["tune", "--profile", "does-not-exist"], /does-not-exist/),
    tune(["tune", "--profile", "../../etc/passwd"], /profile|passwd/),
    tune(["untune", "--bogus"], /bogus/),
  ];
}

const hasUnshare = (): boolean => shSync`unshare -n true`.ok;

async function runCase(c: Case, i: number): Promise<string | null> {
  const node = [process.execPath, "--import", "tsx", c.script, ...c.args];
  const [cmd, ...args] = c.isolated ? ["unshare", "-n", ...node] : node;
  const child: Child = spawnTagged(cmd ?? "", args, c.env ?? {}, `-opt-${i}`);
  const kill = setTimeout(() => child.signalGroup("SIGKILL"), EXIT_WITHIN_MS);
  const e = await child.exited;
  clearTimeout(kill);
  await waitNoStrays(2000, `-opt-${i}`);
  const lines = child.output().trim().split("\n");
  const what = `${c.script.replace(/^.*\//, "")} ${c.args.slice(-2).join(" ")}`;
  if (e.code !== 2) return `${what}: exit ${e.code ?? e.signal}`;
  if (lines.length !== 1) return `${what}: ${lines.length} lines`;
  if (!/^error: /.test(lines[0] ?? "") || !c.names.test(lines[0] ?? "")) return `${what}: "${lines[0]}"`;
  return null;
}

export const badOptions: Scenario = {
  name: "bad-options",
  async run(ctx: ChaosContext) {
    const all = cases(await freePort());
    const isolated = hasUnshare();
    const chosen = all.filter((c) => (ctx.scale === "moderate" || c.small) && (!c.isolated || isolated));
    const failures: string[] = [];
    for (let i = 0; i < chosen.length; i += PARALLEL) {
      const batch = chosen.slice(i, i + PARALLEL).map((c, j) => runCase(c, i + j));
      for (const f of await Promise.all(batch)) if (f) failures.push(f);
    }
    const scripts = new Set(chosen.map((c) => c.script)).size;
    return {
      expectation:
        "each bad value: exit 2, one `error:` line naming the option (server, loadtest, lab, doctor, tune)",
      measured: `${chosen.length - failures.length}/${chosen.length} rejected properly over ${scripts} CLIs${failures.length ? `; not: ${failures.join("; ")}` : ""}${isolated ? "" : " (non-loopback URL case skipped: no unshare)"}`,
      pass: failures.length === 0,
      figures: { cases: chosen.length, failures: failures.length, failed: failures.join("; ") || null },
    };
  },
};
