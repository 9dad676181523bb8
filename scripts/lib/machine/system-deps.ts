// The lab's system packages (wrk, the Python peers, ip/ss, sshd, chromium): is each present, and apt-get a missing one.
import { InvalidRun } from "../core/cli.ts";
import { sh } from "../core/shell.ts";

/** NOTE: Debian's fastapi/uvicorn are importable only by this interpreter, not the python3 first on PATH. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

interface SystemDep {
  /** what it is for, in the one line printed after an install */
  what: string;
  packages: string[];
  /** present when each of these is on the PATH, or this file is executable, or this check says so */
  commands?: string[];
  file?: string;
  present?: () => Promise<boolean>;
  /** run after this install only (not when it was there already) */
  after?: () => Promise<void>;
  /** where it cannot be installed: this line instead of a failure (the tests that need it skip) */
  optional?: string;
}

async function isPresent(d: SystemDep): Promise<boolean> {
  if (d.present) return d.present();
  if (d.file) return (await sh`test -x ${d.file}`).ok;
  return (await sh`for c in ${d.commands ?? []}; do command -v "$c" >/dev/null || exit 1; done`).ok;
}

const CHROMIUM_SKIP =
  "chromium: could not be installed — the report's browser test will be skipped (test/integration/report.test.ts)";

// NOTE: Debian's postinst may start and enable the system ssh service; the lab never uses it (each emulated
// host runs its own sshd), so a service this install brought up is stopped and disabled again.
async function systemSshOff(): Promise<void> {
  await sh`systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || service ssh stop >/dev/null 2>&1 || true`;
}

export const SYSTEM_DEPS = {
  wrk: { what: "wrk (the load generator)", packages: ["wrk"], commands: ["wrk"] },
  // NOTE: Debian's packages are importable only by /usr/bin/python3 (the python3 first on PATH is another one).
  peers: {
    what: "FastAPI + uvicorn (uvloop, httptools) for make compare",
    packages: ["python3-fastapi", "python3-uvicorn", "python3-uvloop", "python3-httptools"],
    present: async () => (await sh`${SYSTEM_PYTHON} -c ${"import fastapi, uvicorn, uvloop, httptools"}`).ok,
  },
  iproute2: { what: "ip and ss, for the network namespaces", packages: ["iproute2"], commands: ["ip", "ss"] },
  sshd: {
    what: "openssh-server for the emulated hosts",
    packages: ["openssh-server"],
    file: "/usr/sbin/sshd",
    after: systemSshOff,
  },
  "ssh-client": { what: "ssh and ssh-keygen", packages: ["openssh-client"], commands: ["ssh", "ssh-keygen"] },
  chromium: {
    what: "chromium for the report's browser test",
    packages: ["chromium"],
    file: "/usr/bin/chromium",
    optional: CHROMIUM_SKIP,
  },
} satisfies Record<string, SystemDep>;

export type SystemDepName = keyof typeof SYSTEM_DEPS;

export function isSystemDep(name: string): name is SystemDepName {
  return Object.hasOwn(SYSTEM_DEPS, name);
}

let updated = false;

// NOTE: apt's own (-qq) output goes to the terminal as it comes, as it did from the Makefile; noninteractive:
// a package's questions (openssh-server, chromium) take their defaults.
async function aptGet(args: string[], name: string): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const o = await sh({ stdio: "inherit", env })`apt-get ${args}`;
  if (o.ok) return;
  throw new InvalidRun(
    `apt-get ${args.join(" ")} failed (exit ${o.exitCode ?? o.signal}) — see apt's message above, fix it, then run \`make ${name}\` again`,
  );
}

async function install(name: SystemDepName, d: SystemDep): Promise<void> {
  const list = d.packages.join(" ");
  if (process.getuid?.() !== 0) {
    throw new InvalidRun(
      `${name} is missing and apt-get needs root — run \`sudo make ${name}\` (apt-get install ${list})`,
    );
  }
  // NOTE: one apt-get update per run of deps.ts, however many packages it installs.
  if (!updated) await aptGet(["update", "-qq"], name);
  updated = true;
  await aptGet(["install", "-y", "-qq", ...d.packages], name);
  if (!(await isPresent(d))) throw new InvalidRun(`${name} is still missing after apt-get install ${list}`);
  await d.after?.();
}

/** Install `name` with apt-get unless present: "present", "installed", "skipped" (optional), else InvalidRun. */
export async function ensureSystemDep(name: SystemDepName): Promise<"present" | "installed" | "skipped"> {
  const d: SystemDep = SYSTEM_DEPS[name];
  if (await isPresent(d)) return "present";
  try {
    await install(name, d);
  } catch (e) {
    if (!(e instanceof InvalidRun) || d.optional === undefined) throw e;
    process.stderr.write(`${d.optional}\n`);
    return "skipped";
  }
  return "installed";
}
