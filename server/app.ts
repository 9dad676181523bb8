// uWS routes: /ping (waits stubMs), /healthz, /__lab/stats (loopback only), 404 for unknown paths, 405 for other methods.

import type { HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";
import { performance } from "node:perf_hooks";
import type { UwsModule } from "./native-uws.ts";
import { checkRequest } from "./request-limits.ts";
import { ANSWER_STAMP_HEADER, answerStamp, SENT_STAMP_HEADER, waitSinceStamp } from "./stamps.ts";
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
  /** the request carried wrk's send stamp: its answer carries this server's */
  stamped?: boolean;
}

const KNOWN = new Set(["/ping", "/ping/", "/healthz", "/__lab/stats"]);

/** statsOnListener false (a --host beyond loopback): /__lab/stats answers 404 here, the admin socket serves it. */
export function createApp(uws: UwsModule, stubMs: number, hooks: AppHooks, statsOnListener = true): LabApp {
  return new LabApp(uws, stubMs, hooks, statsOnListener);
}

export class LabApp {
  readonly counters = new Counters();
  readonly app: TemplatedApp;
  private draining = false;
  private readonly queue: StubQueue<Pending>;

  constructor(
    uws: UwsModule,
    stubMs: number,
    private readonly hooks: AppHooks,
    statsOnListener: boolean,
  ) {
    this.queue = new StubQueue<Pending>(stubMs, this.answer);
    this.app = uws.App();
    this.app.get("/ping", this.ping);
    this.app.get("/ping/", this.ping);
    this.app.get("/healthz", this.healthz);
    if (statsOnListener) this.app.get("/__lab/stats", this.stats);
    else this.app.any("/__lab/stats", this.hidden);
    this.app.any("/*", this.other);
  }

  get inFlight(): number {
    return this.counters.inFlight;
  }

  startDraining(): void {
    this.draining = true;
    if (this.counters.inFlight === 0) this.hooks.drained();
  }

  // NOTE: while draining, answers carry "Connection: close" so keep-alive clients leave.
  private send(
    res: HttpResponse,
    status: string,
    body: string,
    header?: [string, string],
    close = this.draining,
  ): void {
    res.writeStatus(status).writeHeader("content-type", "text/plain");
    if (header) res.writeHeader(header[0], header[1]);
    res.end(body, close);
    this.counters.responded(Number.parseInt(status, 10));
  }

  /** A request over the size limits is answered 4xx and its connection closed; true when rejected. */
  private rejected(res: HttpResponse, req: HttpRequest, isGet: boolean, pathBytes = -1): boolean {
    const why = checkRequest(req, isGet, pathBytes);
    if (why === "") return false;
    this.send(res, why, why.slice(4).toLowerCase(), undefined, true);
    return true;
  }

  private readonly answer = (res: Pending, dueMs: number): void => {
    if (res.aborted) return; // NOTE: an aborted response must never be written to.
    this.counters.finished();
    // NOTE: a stamped request's answer says when it was written, for the lab's wrk to time its way back.
    res.cork(() =>
      this.send(res, "200 OK", "pong", res.stamped ? [ANSWER_STAMP_HEADER, answerStamp()] : undefined),
    );
    // NOTE: the server's own lateness: handler start + stub → answer written (its event loop's lag, its writes).
    this.counters.late.record((performance.now() - dueMs) * 1000);
    if (this.draining && this.counters.inFlight === 0) this.hooks.drained();
  };

  // NOTE: exact routes know their path length; only the query string can make the URL long.
  private readonly ping = (res: Pending, req: HttpRequest): void => {
    this.counters.received();
    // NOTE: the wait before this handler (wrk's write → now): kernel queues, this loop's backlog, the run queue.
    const waited = waitSinceStamp(req.getHeader(SENT_STAMP_HEADER));
    if (waited !== null) {
      this.counters.beforeHandler.record(waited);
      res.stamped = true;
    }
    if (this.rejected(res, req, true, 6)) return;
    if (this.draining) {
      this.send(res, "503 Service Unavailable", "draining");
      return;
    }
    // NOTE: onAborted before any async work; req is not touched after this handler returns.
    res.onAborted(() => {
      res.aborted = true;
      this.counters.abort();
      this.counters.finished();
      if (this.draining && this.counters.inFlight === 0) this.hooks.drained();
    });
    this.counters.started();
    this.queue.push(res);
  };

  // NOTE: a health check (a load balancer's, every second or so) is counted apart: the requests and answers the
  // lab cross-checks against wrk stay the load's own. A malformed one is a request like any other.
  private readonly healthz = (res: HttpResponse, req: HttpRequest): void => {
    if (checkRequest(req, true, 8) !== "") {
      this.counters.received();
      this.rejected(res, req, true, 8);
      return;
    }
    this.counters.checks++;
    res.writeStatus("200 OK").writeHeader("content-type", "text/plain").end("ok", this.draining);
  };

  private readonly stats = (res: HttpResponse, req: HttpRequest): void => {
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
    this.hooks.labStats().then(
      (s) =>
        !aborted &&
        res.cork(() =>
          res.writeStatus("200 OK").writeHeader("content-type", "application/json").end(JSON.stringify(s)),
        ),
      (e: Error) => !aborted && res.cork(() => res.writeStatus("500 Internal Server Error").end(e.message)),
    );
  };

  // NOTE: answered exactly like an unknown path (any method), and, like the stats route, not counted.
  private readonly hidden = (res: HttpResponse, req: HttpRequest): void => {
    const why = checkRequest(req, false, 12);
    if (why !== "") res.writeStatus(why).end(why.slice(4).toLowerCase(), true);
    else
      res
        .writeStatus("404 Not Found")
        .writeHeader("content-type", "text/plain")
        .end("not found", this.draining);
  };

  private readonly other = (res: HttpResponse, req: HttpRequest): void => {
    this.counters.received();
    if (this.rejected(res, req, false)) return;
    const url = req.getUrl();
    if (KNOWN.has(url)) this.send(res, "405 Method Not Allowed", "method not allowed", ["allow", "GET"]);
    else this.send(res, "404 Not Found", "not found");
  };
}
