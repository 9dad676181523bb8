// Checks before any worker starts: native uWS loads, the port is not already taken, the admin socket can be made.
import { createServer } from "node:net";
import { checkAdminSocket } from "./admin.ts";
import { loadUws } from "./native-uws.ts";
import { type ServerOptions, usageExit } from "./options.ts";
import { portHolder } from "./port-holders.ts";

// NOTE: uWS listens with SO_REUSEPORT, so a second uWS server on a busy port does not fail — it silently
// shares the port. A plain exclusive bind (no SO_REUSEPORT) fails with EADDRINUSE against it.
function tryBind(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.listen({ host, port, exclusive: true }, () => s.close(() => resolve(null)));
  });
}

export async function preflight(opts: ServerOptions): Promise<void> {
  if (!loadUws().native) {
    usageExit(
      "the native uWebSockets.js binary did not load (JS fallback) — reinstall with `npm ci` on Node 20",
    );
  }
  const err = await tryBind(opts.host, opts.port);
  if (err === "EADDRINUSE") usageExit(inUseMessage(opts));
  if (err)
    usageExit(`cannot bind ${opts.host}:${opts.port} (${err}) — pass a local --host and a free --port`);
  if (opts.adminSocket) await checkAdminSocket(opts.adminSocket);
}

function inUseMessage({ host, port }: ServerOptions): string {
  const holder = portHolder(port);
  if (holder === "time-wait") {
    return `port ${port} on ${host} is held by client sockets in TIME_WAIT (a load run used it as a local port), not by a server — wait up to 60 s or pass another --port / PORT=; \`make tune\` reserves the lab's ports (net.ipv4.ip_local_reserved_ports)`;
  }
  const who = holder === "listener" ? "a server listens there" : "it is in use";
  return `port ${port} on ${host} is already in use (${who}) — stop that server or pass --port / PORT=`;
}
