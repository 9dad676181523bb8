// The lab's system packages (wrk, the Python peers): is each present, and apt-get to install a missing one.
import { InvalidRun } from "../core/cli.ts";
import { sh } from "../core/shell.ts";

/** NOTE: Debian's fastapi/uvicorn are importable only by this interpreter, not the python3 first on PATH. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

interface SystemDep {
  /** what it is for, in the one line printed after an install */
  what: string;
  packages: string[];
  present: () => Promise<boolean>;
}

export const SYSTEM_DEPS = {
  wrk: {
    what: "wrk (the load generator)",
    packages: ["wrk"],
    present: async () => (await sh`command -v wrk`).ok,
  },
  // NOTE: Debian's packages are importable only by /usr/bin/python3 (the python3 first on PATH is another one).
  peers: {
    what: "FastAPI + uvicorn (uvloop, httptools) for make compare",
    packages: ["python3-fastapi", "python3-uvicorn", "python3-uvloop", "python3-httptools"],
    present: async () => (await sh`${SYSTEM_PYTHON} -c ${"import fastapi, uvicorn, uvloop, httptools"}`).ok,
  },
} satisfies Record<string, SystemDep>;

export type SystemDepName = keyof typeof SYSTEM_DEPS;

export function isSystemDep(name: string): name is SystemDepName {
  return Object.hasOwn(SYSTEM_DEPS, name);
}

// NOTE: apt's own (-qq) output goes to the terminal as it comes, as it did from the Makefile.
async function aptGet(args: string[], name: string): Promise<void> {
  const o = await sh({ stdio: "inherit" })`apt-get ${args}`;
  if (o.ok) return;
  throw new InvalidRun(
    `apt-get ${args.join(" ")} failed (exit ${o.exitCode ?? o.signal}) — see apt's message above, fix it, then run \`make ${name}\` again`,
  );
}

/** Install `name` with apt-get unless present; "present" or "installed", else an InvalidRun with the fix. */
export async function ensureSystemDep(name: SystemDepName): Promise<"present" | "installed"> {
  const d: SystemDep = SYSTEM_DEPS[name];
  if (await d.present()) return "present";
  const list = d.packages.join(" ");
  if (process.getuid?.() !== 0) {
    throw new InvalidRun(
      `${name} is missing and apt-get needs root — run \`sudo make ${name}\` (apt-get install ${list})`,
    );
  }
  await aptGet(["update", "-qq"], name);
  await aptGet(["install", "-y", "-qq", ...d.packages], name);
  if (!(await d.present())) throw new InvalidRun(`${name} is still missing after apt-get install ${list}`);
  return "installed";
}
