// Which wrk runs: the lab's own build (wrk/, by make deps) unless WRK=<path> names another; its identity for the record.
import { join } from "node:path";
import type { GeneratorBuild } from "../contract/generator-build.ts";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { interruptedOr, shSync } from "../core/shell.ts";

/** Where wrk/build.sh installs the lab's build. */
export const LAB_WRK = join(ROOT, "wrk/build/bin/wrk");

/** WRK=<path> (e.g. /usr/bin/wrk, Debian's), else the lab's build. */
export function wrkPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.WRK || LAB_WRK;
}

/**
 * What `<path> -v` says (it exits 1 by design); null when it cannot run; Interrupted when a Ctrl-C killed it. The
 * lab's build prints "wrk 4.1.0-lab (debian/4.1.0-3, patches <hash>)": its latency runs from each request's
 * scheduled slot.
 */
export function generatorBuild(path = wrkPath()): GeneratorBuild | null {
  const o = interruptedOr(shSync`${path} -v`);
  if (o.cause || o.exitCode === 126 || o.exitCode === 127) return null;
  const line =
    o.stdall
      .split("\n")[0]
      ?.replace(/\s+Copyright.*$/, "")
      .trim() ?? "";
  const version = /^wrk (\S+)/.exec(line)?.[1];
  if (!version) return null;
  const patchSet = /patches ([0-9a-f]+)/.exec(line)?.[1] ?? null;
  return { path, version, versionLine: line, patchSet, latencyFrom: patchSet ? "schedule" : "write" };
}

/** The build that will run, or a one-line InvalidRun naming the fix. */
export function requireGenerator(path = wrkPath()): GeneratorBuild {
  const b = generatorBuild(path);
  if (b) return b;
  throw new InvalidRun(
    path === LAB_WRK
      ? `the lab's wrk is not built (${path}) — run \`make deps\` (or WRK=/usr/bin/wrk for Debian's)`
      : `WRK=${path} does not run as wrk — fix the path, or unset WRK for the lab's build (make deps)`,
  );
}
