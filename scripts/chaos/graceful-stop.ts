// Scenario: SIGTERM to the primary under paced load — every earlier request answered 200, no new connection, exit 0.
import { pacedLoad, summarize } from "../lib/chaos/client.ts";
import { type ChaosServer, withLabServer } from "../lib/chaos/procs.ts";
import { getOn, openMany } from "../lib/chaos/raw.ts";
import { at, type ChaosContext, ms, n, type Scenario, stats } from "../lib/chaos/scenario.ts";
import { sleep } from "../lib/core/sleep.ts";

const STUB_MS = 200;
// NOTE: a request sent just before the signal may reach its worker after the drain message (IPC) did and
// is then answered 503 + close, correctly: it was not accepted before the stop. 20 ms covers that race.
const RACE_MS = 20;
// NOTE: the primary forwards the stop over IPC; connections completed before the workers closed their
// listen sockets (a few ms) are accepted legitimately.
const LISTEN_CLOSE_MS = 50;

export const gracefulStop: Scenario = {
  name: "graceful-stop",
  async run(ctx: ChaosContext) {
    const p = at(ctx, {
      small: { conns: 300, rps: 600, beforeMs: 800 },
      moderate: { conns: 2000, rps: 4000, beforeMs: 2000 },
    });
    return withLabServer(ctx, { stubMs: STUB_MS }, async (srv) => {
      const load = await pacedLoad(srv, p.conns, p.rps);
      await sleep(p.beforeMs);
      const before = await stats(srv.url);
      process.kill(srv.pid, "SIGTERM");
      const sigAt = performance.now();
      const { probes, accepted } = await probeWhileDraining(srv, sigAt);
      const exit = await srv.exited;
      const exitMs = (srv.exitedAt() ?? performance.now()) - sigAt;
      await load.stop(500);
      const sentBefore = summarize(load.done, (d) => d.sentAt < sigAt);
      const early = summarize(load.done, (d) => d.sentAt < sigAt - RACE_MS);
      const lostBefore = sentBefore.lost + sentBefore.timeout;
      const newConnServed = load.done.filter(
        (d) => d.connAt > sigAt + LISTEN_CLOSE_MS && d.status > 0,
      ).length;
      const pass =
        lostBefore === 0 &&
        early.ok === early.sent &&
        newConnServed === 0 &&
        accepted === 0 &&
        exit.code === 0 &&
        exitMs <= STUB_MS + 1000;
      const s503 = sentBefore.statuses["503"] ?? 0;
      return {
        expectation: `requests sent ≥ ${RACE_MS} ms before the signal all 200, none lost; new connections refused; exit 0 ≤ ${STUB_MS + 1000} ms`,
        measured: `${n(early.ok)}/${n(early.sent)} 200 (server had ${n(before.inFlight)} in flight), ${n(lostBefore)} lost, ${n(s503)} 503 in the last ${RACE_MS} ms; new connections ${accepted}/${probes} accepted; exit ${exit.code ?? exit.signal} after ${ms(exitMs)}`,
        pass,
        figures: {
          connections: p.conns,
          rps: p.rps,
          inFlightAtSignal: before.inFlight,
          sentBeforeSignal: sentBefore.sent,
          okEarly: early.ok,
          sentEarly: early.sent,
          lostBeforeSignal: lostBefore,
          answered503: s503,
          newConnectionsTried: probes,
          newConnectionsAccepted: accepted,
          newConnectionRequestsServed: newConnServed,
          exitCode: exit.code,
          exitMs,
        },
      };
    });
  },
};

/** Fresh connection attempts while the server drains, until it exits: each one must be refused. */
async function probeWhileDraining(
  srv: ChaosServer,
  sigAt: number,
): Promise<{ probes: number; accepted: number }> {
  let probes = 0;
  let accepted = 0;
  await sleep(LISTEN_CLOSE_MS);
  while (srv.exitedAt() === null && performance.now() - sigAt < STUB_MS + 5000) {
    const h = await openMany(srv.host, srv.port, 5, 5, 500);
    probes += 5;
    // NOTE: a handshake can complete in the kernel's accept queue; only an answer proves an accept.
    const answers = await Promise.all(h.sockets.map((s) => getOn(s, "/healthz", 300)));
    accepted += answers.filter((st) => st > 0).length;
    for (const s of h.sockets) s.destroy();
    await sleep(20);
  }
  return { probes, accepted };
}
