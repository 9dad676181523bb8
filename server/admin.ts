// The primary's admin socket: GET /__lab/stats over node:http on a unix socket (mode 0600), never on the network.
import { chmodSync, lstatSync, statSync, unlinkSync } from "node:fs";
import http from "node:http";
import { connect } from "node:net";
import { dirname } from "node:path";
import { usageExit } from "./options.ts";
import type { LabStats } from "./stats.ts";

const PROBE_MS = 1000;

/** Does something accept connections on this unix socket (a live server), or is it stale? */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(path);
    const done = (ok: boolean): void => {
      c.destroy();
      resolve(ok);
    };
    c.once("connect", () => done(true));
    c.once("error", () => done(false));
    c.setTimeout(PROBE_MS, () => done(false));
  });
}

/** Preflight of --admin-socket: its directory exists; a stale socket file is removed, anything else refused. */
export async function checkAdminSocket(path: string): Promise<void> {
  const dir = dirname(path);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // absent: refused below
  }
  if (!isDir)
    usageExit(
      `--admin-socket ${path}: directory ${dir} does not exist — create it or pass a path in an existing directory (e.g. /run/lab-admin.sock)`,
    );
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return; // nothing there: fine
  }
  if (!isSocket)
    usageExit(`--admin-socket ${path} exists and is not a socket — remove it or pass another path`);
  if (await answers(path)) {
    usageExit(`--admin-socket ${path} is in use by a running server — stop it or pass another path`);
  }
  // NOTE: a socket nobody answers on is what a killed server leaves; binding fails (EADDRINUSE) until it is gone.
  unlinkSync(path);
}

function removeSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Serve `GET /__lab/stats` (the exact fan-out, with selfConnection 0) on a unix socket; 404/405 otherwise. */
export function serveAdmin(path: string, collect: () => Promise<LabStats>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? "").split("?")[0];
    if (url !== "/__lab/stats")
      return void res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    if (req.method !== "GET") return void res.writeHead(405, { allow: "GET" }).end("method not allowed");
    collect().then(
      (s) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(s)),
      (e: Error) => res.writeHead(500).end(e.message),
    );
  });
  return new Promise((resolve) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      usageExit(`cannot listen on --admin-socket ${path} (${e.code ?? e.message}) — pass another path`),
    );
    // NOTE: the socket is created by bind() inside listen(), synchronously in a cluster primary: a umask of
    // 0177 around it means it is never, even for a moment, connectable by other users; chmod makes it explicit.
    const mask = process.umask(0o177);
    try {
      server.listen(path, () => {
        chmodSync(path, 0o600);
        process.on("exit", () => removeSocket(path));
        resolve(server);
      });
    } finally {
      process.umask(mask);
    }
  });
}
