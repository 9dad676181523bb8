// One worker: native uWS check, listen with SO_REUSEPORT, answer the primary's stats calls, drain on stop.
import { createApp } from "./app.ts";
import { FdGuard, softNofile } from "./fd-guard.ts";
import type { ToPrimary, ToWorker } from "./ipc.ts";
import { Listener } from "./listener.ts";
import { loadUws, type UwsModule } from "./native-uws.ts";
import { isLoopback, type ServerOptions, usageExit } from "./options.ts";
import { PrimaryStats, snapshot } from "./worker-stats.ts";

function send(msg: ToPrimary): void {
  if (process.connected) process.send?.(msg);
}

function nativeUwsOrExit(id: number): UwsModule {
  const { uws, native } = loadUws();
  if (!native)
    usageExit(
      "the native uWebSockets.js binary did not load (JS fallback) — reinstall with `npm ci` on Node 20",
    );
  // NOTE: test hook for the crash-loop bound: a worker that dies at start, every time.
  if (process.env.LAB_CRASH_AT_START === "1") {
    process.stderr.write(`worker ${id}: crashing at start (LAB_CRASH_AT_START=1)\n`);
    process.exit(70);
  }
  return uws;
}

export function runWorker(id: number, opts: ServerOptions): void {
  const uws = nativeUwsOrExit(id);
  const primary = new PrimaryStats(send);
  const lab = createApp(
    uws,
    opts.stubMs,
    {
      labStats: () => primary.ask(),
      drained: () =>
        setImmediate(() => {
          // NOTE: close() drops the idle keep-alive connections left; it is missing from the typings.
          (lab.app as unknown as { close?: () => void }).close?.();
          process.exit(0);
        }),
    },
    isLoopback(opts.host), // NOTE: beyond loopback the world reaches this listener: stats only on the admin socket
  );
  const listener = new Listener(uws, lab.app, opts.host, opts.port);
  let draining = false;
  const limit = softNofile();
  const guard = new FdGuard(limit, {
    pause: (fds) => {
      listener.close();
      send({ t: "paused", fds, limit });
    },
    resume: (fds) => {
      if (draining) return true; // NOTE: a draining worker never listens again
      const ok = listener.listen();
      if (ok) send({ t: "resumed", fds });
      return ok;
    },
  });
  const drain = (): void => {
    if (draining) return;
    draining = true;
    guard.stop();
    listener.close(); // stop accepting
    lab.startDraining();
  };
  process.on("message", (m: ToWorker) => {
    if (m.t === "stats-collect")
      send({ t: "stats-res", id: m.id, stats: snapshot(id, lab.counters, guard, limit) });
    else if (m.t === "stats-result") primary.answered(m.id, m.stats);
    else if (m.t === "drain") drain();
  });
  // NOTE: Ctrl-C reaches the whole process group, so workers drain on the signal themselves too;
  // a lost primary (IPC disconnect) also drains rather than leaving an orphan serving.
  process.on("SIGTERM", drain);
  process.on("SIGINT", drain);
  process.on("disconnect", drain);

  if (!listener.listen())
    usageExit(`worker ${id} could not listen on ${opts.host}:${opts.port} — is the address local?`);
  if (opts.fdGuard) guard.start();
  send({ t: "listening" });
}
