// The lab server for a fleet's hosts: bundled here into one file, packed with its uWebSockets.js binary, pushed by tar over ssh.
import { statSync } from "node:fs";
import { basename, join } from "node:path";
import { InvalidRun } from "../core/cli.ts";
import { ROOT } from "../core/paths.ts";
import { firstLine, must, run } from "../core/shell.ts";
import type { SshHost } from "./ssh.ts";

/** The server's file in a host's run dir. */
export const BUNDLE = "server.mjs";
const UWS = "node_modules/uWebSockets.js";

export interface ServerPayload {
  /** a .tgz here: server.mjs + node_modules/uWebSockets.js/{package.json, src/uws.js, binaries/<one>} */
  tarball: string;
  bytes: number;
  files: string[];
}

// NOTE: esbuild (tsx's own, so always installed) compiles server/ and the core files it imports exactly as tsx does
// for `make run`, into one ESM file: no TypeScript loader, no esbuild binary and no cache dir on the host. Its
// CommonJS dependencies (throng, lodash) call require("cluster"), which an ES module lacks: the banner makes one.
// uWebSockets.js stays outside (a native addon cannot be bundled). ROOT inside the bundle points outside the run
// dir: the server reads configs/slo.json only when no --stub-ms is given, and the lab always gives it.
const BANNER =
  'import { createRequire as __labxCreateRequire } from "node:module"; const require = __labxCreateRequire(import.meta.url);';

/** Bundle server/main.ts into dir/server.mjs (about 0.5 MB). */
export async function bundleServer(dir: string): Promise<string> {
  const out = join(dir, BUNDLE);
  await must(
    [
      ...[join(ROOT, "node_modules/.bin/esbuild"), join(ROOT, "server/main.ts"), "--bundle"],
      ...["--platform=node", "--format=esm", "--target=node20", "--external:uWebSockets.js"],
      ...[`--outfile=${out}`, "--log-level=warning", `--banner:js=${BANNER}`],
    ],
    "bundling the server",
    "run make deps (npm ci installs esbuild with tsx)",
    { timeoutMs: 60_000 },
  );
  return out;
}

/** One tarball for hosts whose node loads uwsBinary (from fleet-ssh-check.ts); the bundle must be in dir. */
export async function packServer(dir: string, uwsBinary: string): Promise<ServerPayload> {
  const files = [`${UWS}/package.json`, `${UWS}/src/uws.js`, `${UWS}/binaries/${basename(uwsBinary)}`];
  const tarball = join(dir, `server-${basename(uwsBinary, ".node")}.tgz`);
  await must(
    ["tar", "-czf", tarball, "-C", dir, BUNDLE, "-C", ROOT, ...files],
    "packing the server",
    "check that node_modules is complete (make deps)",
    { timeoutMs: 60_000 },
  );
  return { tarball, bytes: statSync(tarball).size, files: [BUNDLE, ...files] };
}

/** Unpack the tarball into runDir (which must exist) on the host: `ssh host tar -x < tarball`. */
export async function pushServer(ssh: SshHost, p: ServerPayload, runDir: string): Promise<void> {
  const argv = ssh.sshArgv(["tar", "-xzf", "-", "--no-same-owner", "-C", runDir]);
  const out = await run(["sh", "-c", 'exec "$@" < "$0"', p.tarball, ...argv], { timeoutMs: 120_000 });
  if (out.exitCode === 255 || out.exitCode === null) throw ssh.unreachable(out);
  if (!out.ok)
    throw new InvalidRun(
      `pushing the server to host ${ssh.spec.name} failed: ${firstLine(out)} — check ${runDir} there`,
    );
}
