// Scenario: clients that close during the stub — aborted counted, nothing written to them, inFlight back to 0.
import type { Socket } from "node:net";
import { withLabServer } from "../lib/chaos/procs.ts";
import { getOnce, openMany } from "../lib/chaos/raw.ts";
import { at, type ChaosContext, consistent, n, type Scenario, stats } from "../lib/chaos/scenario.ts";
import { sleep } from "../lib/core/sleep.ts";

const STUB_MS = 200;

export const clientAborts: Scenario = {
  name: "client-aborts",
  async run(ctx: ChaosContext) {
    const clients = at(ctx, { small: 300, moderate: 1000 });
    return withLabServer(ctx, { stubMs: STUB_MS }, async (srv) => {
      const held = await openMany(srv.host, srv.port, clients);
      const before = await stats(srv.url);
      const seen = { answered: 0 };
      await pingAndAbort(held.sockets, seen);
      await sleep(STUB_MS + 200);
      const after = await stats(srv.url);
      const healthz = await getOnce(srv.host, srv.port, "/healthz");
      const { answered } = seen;
      const d = (k: "requests" | "aborted"): number => after[k] - before[k];
      const ok200 = (after.responses["200"] ?? 0) - (before.responses["200"] ?? 0);
      const sent = held.sockets.length;
      const pass =
        sent === clients &&
        d("requests") === sent &&
        d("aborted") === sent &&
        ok200 === 0 &&
        answered === 0 &&
        after.inFlight === 0 &&
        after.restarts === before.restarts &&
        consistent(after) &&
        healthz === 200;
      return {
        expectation: `${n(clients)} aborts counted, no 200 written to them, inFlight 0, no restart, /healthz 200`,
        measured: `aborted ${n(d("aborted"))}/${n(sent)}, 200 written ${ok200}, bytes seen by clients ${answered}, inFlight ${after.inFlight}, restarts ${after.restarts - before.restarts}, /healthz ${healthz}`,
        pass,
        figures: {
          clients,
          connected: sent,
          requests: d("requests"),
          aborted: d("aborted"),
          written200: ok200,
          clientReads: answered,
          inFlightAfter: after.inFlight,
          restarts: after.restarts - before.restarts,
          consistent: consistent(after),
          healthz,
        },
      };
    });
  },
};

/** Each socket sends one /ping and closes before the stub is over; seen.answered counts any data it still got. */
async function pingAndAbort(sockets: Socket[], seen: { answered: number }): Promise<void> {
  // NOTE: half close politely (FIN), half with a reset (RST): uWS must report both as aborts.
  await Promise.all(
    sockets.map(
      (s, i) =>
        new Promise<void>((resolve) => {
          s.on("data", () => {
            seen.answered++;
          });
          s.write("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
          setTimeout(
            () => {
              if (i % 2 === 0) s.destroy();
              else s.resetAndDestroy();
              resolve();
            },
            20 + Math.random() * (STUB_MS - 70),
          );
        }),
    ),
  );
}
