// uWS routes: /ping (waits stubMs), /healthz, /__lab/stats, 404 for unknown paths, 405 for other methods.
import type { HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";
import type { UwsModule } from "./native-uws.ts";
import { checkRequest } from "./request-limits.ts";
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
  const send = (res: HttpResponse, status: string, body: string, allow?: string, close = draining): void => {
    res.writeStatus(status).writeHeader("content-type", "text/plain");
    if (allow) res.writeHeader("allow", allow);
    res.end(body, close);
    counters.responded(Number.parseInt(status, 10));
  };

  /** A request over the size limits is answered 4xx and its connection closed; true when rejected. */
  const rejected = (res: HttpResponse, req: HttpRequest, isGet: boolean, pathBytes = -1): boolean => {
    const why = checkRequest(req, isGet, pathBytes);
    if (why === "") return false;
    send(res, why, why.slice(4).toLowerCase(), undefined, true);
    return true;
  };

  const queue = new StubQueue<Pending>(stubMs, (res) => {
    if (res.aborted) return; // NOTE: an aborted response must never be written to.
    counters.finished();
    res.cork(() => send(res, "200 OK", "pong"));
    if (draining && counters.inFlight === 0) hooks.drained();
  });

  // NOTE: exact routes know their path length; only the query string can make the URL long.
  const ping = (res: Pending, req: HttpRequest): void => {
    counters.received();
    if (rejected(res, req, true, 6)) return;
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
  app.get("/healthz", (res, req) => {
    counters.received();
    if (!rejected(res, req, true, 8)) send(res, "200 OK", "ok");
  });
  app.get("/__lab/stats", (res, req) => {
    // NOTE: not counted, so reading stats never disturbs the client/server cross-check.
    const why = checkRequest(req, true, 12);
    if (why !== "") {
      res.writeStatus(why).end(why.slice(4).toLowerCase(), true);
      return;
    }
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
    if (rejected(res, req, false)) return;
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
