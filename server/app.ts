// uWS routes: /ping (waits stubMs), /healthz, /__lab/stats, 404 for unknown paths, 405 for other methods.
import type { HttpResponse, TemplatedApp } from "uWebSockets.js";
import type { UwsModule } from "./native-uws.ts";
import type { LabStats } from "./stats.ts";
import { Counters } from "./stats.ts";
import { StubQueue } from "./stub.ts";

export interface AppHooks {
  /** Exact totals across all workers, asked of the primary. */
  labStats: () => Promise<LabStats>;
  /** Called when the last in-flight request of a draining worker was answered. */
  drained: () => void;
}

interface Pending extends HttpResponse {
  aborted?: boolean;
}

const KNOWN = new Set(["/ping", "/ping/", "/healthz", "/__lab/stats"]);

export function createApp(uws: UwsModule, stubMs: number, hooks: AppHooks) {
  const counters = new Counters();
  let draining = false;

  // NOTE: while draining, answers carry "Connection: close" so keep-alive clients leave.
  const send = (res: HttpResponse, status: string, body: string, allow?: string): void => {
    res.writeStatus(status).writeHeader("content-type", "text/plain");
    if (allow) res.writeHeader("allow", allow);
    res.end(body, draining);
    counters.responded(Number.parseInt(status, 10));
  };

  const queue = new StubQueue<Pending>(stubMs, (res) => {
    if (res.aborted) return; // NOTE: an aborted response must never be written to.
    counters.finished();
    res.cork(() => send(res, "200 OK", "pong"));
    if (draining && counters.inFlight === 0) hooks.drained();
  });

  const ping = (res: Pending): void => {
    counters.received();
    if (draining) {
      send(res, "503 Service Unavailable", "draining");
      return;
    }
    // NOTE: onAborted before any async work; req is not touched after this handler returns.
    res.onAborted(() => {
      res.aborted = true;
      counters.abort();
      counters.finished();
      if (draining && counters.inFlight === 0) hooks.drained();
    });
    counters.started();
    queue.push(res);
  };

  const app: TemplatedApp = uws.App();
  app.get("/ping", ping);
  app.get("/ping/", ping);
  app.get("/healthz", (res) => {
    counters.received();
    send(res, "200 OK", "ok");
  });
  app.get("/__lab/stats", (res) => {
    // NOTE: not counted, so reading stats never disturbs the client/server cross-check.
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    hooks.labStats().then(
      (s) =>
        !aborted &&
        res.cork(() =>
          res.writeStatus("200 OK").writeHeader("content-type", "application/json").end(JSON.stringify(s)),
        ),
      (e: Error) => !aborted && res.cork(() => res.writeStatus("500 Internal Server Error").end(e.message)),
    );
  });
  app.any("/*", (res, req) => {
    counters.received();
    const url = req.getUrl();
    if (KNOWN.has(url)) send(res, "405 Method Not Allowed", "method not allowed", "GET");
    else send(res, "404 Not Found", "not found");
  });

  return {
    app,
    counters,
    get inFlight() {
      return counters.inFlight;
    },
    startDraining(): void {
      draining = true;
      if (counters.inFlight === 0) hooks.drained();
    },
  };
}
