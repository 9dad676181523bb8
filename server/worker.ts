// One worker: native uWS check, listen with SO_REUSEPORT, answer the primary's stats calls, drain on stop.
import type { us_listen_socket } from "uWebSockets.js";
import { createApp } from "./app.ts";
import { FdGuard, softNofile } from "./fd-guard.ts";
import type { ToPrimary, ToWorker } from "./ipc.ts";
import { loadUws } from "./native-uws.ts";
import { type ServerOptions, usageExit } from "./options.ts";
import type { LabStats, WorkerStats } from "./stats.ts";

const STATS_TIMEOUT_MS = 2000;

function send(msg: ToPrimary): void {
  if (process.connected) process.send?.(msg);
}

export function runWorker(id: number, opts: ServerOptions): void {
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

  let listenSocket: us_listen_socket | null = null;
  let nextCall = 0;
  const calls = new Map<number, (s: LabStats) => void>();

  const lab = createApp(uws, opts.stubMs, {
    labStats: () =>
      new Promise((resolve, reject) => {
        const call = ++nextCall;
        calls.set(call, resolve);
        send({ t: "stats-req", id: call });
        setTimeout(
          () => calls.delete(call) && reject(new Error("primary did not answer")),
          STATS_TIMEOUT_MS,
        ).unref();
      }),
    drained: () =>
      setImmediate(() => {
        // NOTE: close() drops the idle keep-alive connections left; it is missing from the typings.
        (lab.app as unknown as { close?: () => void }).close?.();
        process.exit(0);
      }),
  });

  let draining = false;
  // NOTE: uWS calls the listen callback synchronously, so `ok` is known when listen() returns.
  const listen = (): boolean => {
    let ok = false;
    lab.app.listen(opts.host, opts.port, (ls) => {
      ok = ls !== false;
      if (ls) listenSocket = ls;
    });
    return ok;
  };
  const closeListener = (): void => {
    if (listenSocket) uws.us_listen_socket_close(listenSocket);
    listenSocket = null;
  };
  const limit = softNofile();
  const guard = new FdGuard(limit, {
    pause: (fds) => {
      closeListener();
      send({ t: "paused", fds, limit });
    },
    resume: (fds) => {
      if (draining) return true; // NOTE: a draining worker never listens again
      const ok = listen();
      if (ok) send({ t: "resumed", fds });
      return ok;
    },
  });

  const snapshot = (): WorkerStats => {
    const c = lab.counters;
    return {
      id,
      pid: process.pid,
      requests: c.requests,
      responses: { ...c.responses },
      aborted: c.aborted,
      inFlight: c.inFlight,
      peakInFlight: c.peakInFlight,
      openConnections: 0, // filled in by the primary from /proc/<pid>/fd
      peakOpenConnections: 0,
      fds: guard.fds,
      fdLimit: Number.isFinite(limit) ? limit : null,
      paused: guard.paused,
      listenerPauses: guard.pauses,
    };
  };

  const drain = (): void => {
    if (draining) return;
    draining = true;
    guard.stop();
    closeListener(); // stop accepting
    lab.startDraining();
  };

  process.on("message", (m: ToWorker) => {
    if (m.t === "stats-collect") send({ t: "stats-res", id: m.id, stats: snapshot() });
    else if (m.t === "stats-result") {
      calls.get(m.id)?.(m.stats);
      calls.delete(m.id);
    } else if (m.t === "drain") drain();
  });
  // NOTE: Ctrl-C reaches the whole process group, so workers drain on the signal themselves too;
  // a lost primary (IPC disconnect) also drains rather than leaving an orphan serving.
  process.on("SIGTERM", drain);
  process.on("SIGINT", drain);
  process.on("disconnect", drain);

  if (!listen())
    usageExit(`worker ${id} could not listen on ${opts.host}:${opts.port} — is the address local?`);
  if (opts.fdGuard) guard.start();
  send({ t: "listening" });
}
