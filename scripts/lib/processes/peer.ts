// Start the lab server or a comparison peer (server/peers/) as a child in its own process group; stop it.
import { sleep } from "../core/sleep.ts";
import { SYSTEM_PYTHON } from "../machine/system-deps.ts";
import { spawnGroup } from "./group.ts";
import { fetchLabStats } from "./lab-stats.ts";
import { freePort, type RunningServer, startServer } from "./server.ts";

export const PEERS = ["uws", "node-http", "fastapi"] as const;
export type Peer = (typeof PEERS)[number];

export const PEER_LABEL: Record<Peer, string> = {
  uws: "uWS (server/)",
  "node-http": "node:http cluster",
  fastapi: "FastAPI + uvicorn",
};

export interface PeerSpec {
  peer: Peer;
  workers: number;
  stubMs: number;
  port?: number;
  readyTimeoutMs?: number;
  /** argv before the server's own (taskset -c 1 for the split placement) */
  prefix?: string[];
}

function peerCommand(s: PeerSpec & { port: number }): string[] {
  const args = ["--workers", String(s.workers), "--stub-ms", String(s.stubMs)];
  args.push("--host", "127.0.0.1", "--port", String(s.port));
  if (s.peer === "fastapi") return [SYSTEM_PYTHON, "server/peers/fastapi_app.py", ...args];
  return [process.execPath, "--import", "tsx", "server/peers/node-http.ts", ...args];
}

/** Start one implementation of the stub on loopback; resolves once /__lab/stats reports every worker. */
export async function startPeer(spec: PeerSpec): Promise<RunningServer> {
  if (spec.peer === "uws")
    return startServer({ workers: spec.workers, stubMs: spec.stubMs, port: spec.port, prefix: spec.prefix });
  const host = "127.0.0.1";
  const port = spec.port ?? (await freePort(host));
  const c = spawnGroup([...(spec.prefix ?? []), ...peerCommand({ ...spec, port })], {
    env: { PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" }, // NOTE: no __pycache__ in server/peers/
  });
  const url = `http://${host}:${port}`;
  const server: RunningServer = { ...c, url, host, port, statsBase: url };
  const deadline = performance.now() + (spec.readyTimeoutMs ?? 30_000);
  // NOTE: ready = the stats endpoint counts every worker (uvicorn prints no ready line of its own).
  while (performance.now() < deadline) {
    if (c.exitedAt() !== null) {
      const e = await c.exited;
      throw new Error(`${spec.peer} exited before ready (${e.code ?? e.signal}):\n${c.output().trim()}`);
    }
    const s = await fetchLabStats(server.url, 1000).catch(() => null);
    if (s && s.workers === spec.workers) return server;
    await sleep(200);
  }
  await c.stop(1000);
  throw new Error(`${spec.peer} not ready after ${spec.readyTimeoutMs ?? 30_000} ms:\n${c.output().trim()}`);
}
