// A fleet's hosts checked over ssh before anything is pushed: node ≥ 20 on each server host, HAProxy on the LB.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { haproxyVersionOf } from "../processes/haproxy.ts";
import { sshFor } from "./host-check.ts";
import type { FleetServerHost, Inventory, LbHost } from "./inventory.ts";
import type { SshHost } from "./ssh.ts";

export const MIN_NODE_MAJOR = 20;
const NOTHING = "the lab installs nothing on its hosts";

export interface ServerHostCheck {
  host: string;
  /** "v20.20.2" */
  nodeVersion: string;
  /** "linux_x64_115": which uWebSockets.js binary that node loads */
  abi: string;
  /** this checkout's uWebSockets.js binary for that node, pushed with the server */
  uwsBinary: string;
  nofileHard: number | null;
  cpus: number;
}

export interface LbHostCheck {
  host: string;
  haproxy: string;
  /** "2.6.12-1+deb12u4" */
  version: string;
  nofileHard: number | null;
  cpus: number;
}

const num = (s: string | undefined): number | null => {
  const t = s?.trim();
  if (t === "unlimited") return Number.POSITIVE_INFINITY;
  return t && /^\d+$/.test(t) ? Number(t) : null;
};

// NOTE: one remote shell per host, one round trip. `command -v` finds "node" on the login PATH and accepts an
// absolute path if it is executable. tar and gzip carry the push (Debian: both essential, always there).
const NODE_PROBE = [
  'if command -v "$1" >/dev/null 2>&1; then',
  `  "$1" -e 'console.log(process.version, process.platform + "_" + process.arch + "_" + process.versions.modules)' 2>&1 | head -n 1`,
  "else echo MISSING; fi",
  "command -v tar >/dev/null 2>&1 && command -v gzip >/dev/null 2>&1 && echo tar || echo NOTAR",
  "ulimit -Hn; nproc",
].join("\n");

/** The uWebSockets.js binary this checkout has for a node of that ABI, or null. */
export function uwsBinaryFor(abi: string): string | null {
  const path = join(ROOT, "node_modules/uWebSockets.js/binaries", `uws_${abi}.node`);
  return existsSync(path) ? path : null;
}

/** node on a server host: there, ≥ 20, with a uWebSockets.js binary for it; else one line naming the fix. */
export async function checkServerHost(
  ssh: SshHost,
  h: FleetServerHost,
  inv: string,
): Promise<ServerHostCheck> {
  const out = await ssh.runOk(["sh", "-c", NODE_PROBE, "labx-check", h.node], "host check", {
    timeoutMs: 20_000,
  });
  const [line = "", tar, hard, cpus] = out.split("\n");
  const m = /^v(\d+)\.\d+\.\d+\S* (\S+)$/.exec(line.trim());
  const fix = `install Node.js ${MIN_NODE_MAJOR} there (or set its "node" in ${inv}); ${NOTHING}`;
  if (line.trim() === "MISSING") throw new InvalidRun(`host ${h.name} has no node (${h.node}) — ${fix}`);
  if (!m)
    throw new InvalidRun(`host ${h.name}: ${h.node} did not answer as node does (${line.trim()}) — ${fix}`);
  const [version, major, abi] = [line.trim().split(" ")[0] ?? "", Number(m[1]), m[2] ?? ""];
  if (major < MIN_NODE_MAJOR)
    throw new InvalidRun(
      `host ${h.name} has node ${version}, the lab server needs ≥ ${MIN_NODE_MAJOR} — ${fix}`,
    );
  const uwsBinary = uwsBinaryFor(abi);
  if (uwsBinary === null)
    throw new InvalidRun(
      `host ${h.name} runs node ${version} (${abi}), for which this lab's uWebSockets.js has no binary — ${fix}`,
    );
  if (tar?.trim() !== "tar")
    throw new InvalidRun(
      `host ${h.name} has no tar or gzip (the push needs both) — install them there; ${NOTHING}`,
    );
  return { host: h.name, nodeVersion: version, abi, uwsBinary, nofileHard: num(hard), cpus: num(cpus) ?? 0 };
}

const LB_PROBE = 'if [ -x "$1" ]; then "$1" -v 2>&1 | head -n 1; else echo MISSING; fi; ulimit -Hn; nproc';

/** HAProxy on the LB host at its inventory path; else one line naming the fix. */
export async function checkLbHost(ssh: SshHost, h: LbHost, inv: string): Promise<LbHostCheck> {
  const out = await ssh.runOk(["sh", "-c", LB_PROBE, "labx-check", h.haproxy], "host check", {
    timeoutMs: 20_000,
  });
  const [line = "", hard, cpus] = out.split("\n");
  const version = haproxyVersionOf(line);
  if (version === null) {
    const what = line.trim() === "MISSING" ? "no HAProxy" : `no HAProxy that answers -v (${line.trim()})`;
    throw new InvalidRun(
      `host ${h.name} has ${what} at ${h.haproxy} — install it there (apt-get install -y haproxy) or fix its "haproxy" in ${inv}; ${NOTHING}`,
    );
  }
  return { host: h.name, haproxy: h.haproxy, version, nofileHard: num(hard), cpus: num(cpus) ?? 0 };
}

const limits = (c: { nofileHard: number | null; cpus: number }): string =>
  `nofile hard ${c.nofileHard ?? "?"}; ${c.cpus} cpus`;

/** `make fleet-check`'s lines for an inventory's fleet: each server host's node, the LB's HAProxy (or exit 2). */
export async function checkFleet(inv: Inventory, stateDir: string): Promise<string[]> {
  const lines: string[] = [];
  for (const h of inv.servers) {
    const ssh = sshFor(inv, h, stateDir);
    try {
      const c = await checkServerHost(ssh, h, inv.path);
      lines.push(`${c.host}: node ${c.nodeVersion} (${c.abi}, uWebSockets.js binary here); ${limits(c)}`);
    } finally {
      await ssh.close();
    }
  }
  if (inv.lb === null) return lines;
  const ssh = sshFor(inv, inv.lb, stateDir);
  try {
    const c = await checkLbHost(ssh, inv.lb, inv.path);
    lines.push(`${c.host}: HAProxy ${c.version} at ${c.haproxy}; ${limits(c)}`);
  } finally {
    await ssh.close();
  }
  return lines;
}
