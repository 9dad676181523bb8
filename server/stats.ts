// Per-worker request counters and the exact sum across workers.
import { LATE_BUCKET_US, type LateBuckets, LateHistogram, sumLate } from "./late.ts";

export interface WorkerStats {
  id: number;
  pid: number;
  requests: number;
  responses: Record<string, number>;
  aborted: number;
  inFlight: number;
  peakInFlight: number;
  openConnections: number;
  peakOpenConnections: number;
  // NOTE: optional: the fd guard is the uWS server's; server/peers/ report without it.
  /** open fds at the fd guard's last poll (every 50 ms); 0 when the guard is off */
  fds?: number;
  /** soft RLIMIT_NOFILE; null when unlimited */
  fdLimit?: number | null;
  /** accepting paused by the fd guard (listen socket closed) */
  paused?: boolean;
  listenerPauses?: number;
  /** how late answers went out past the stub ([100 µs bucket, count]); absent for server/peers/ */
  stubLate?: LateBuckets;
  /** how long stamped requests waited before the handler ([100 µs bucket, count]; server/stamps.ts) */
  beforeHandler?: LateBuckets;
  /** health checks answered (/healthz: a load balancer's), apart from requests and responses */
  checks?: number;
}

export interface LabStats {
  workers: number;
  pids: number[];
  primaryPid: number;
  nativeUws: boolean;
  stubMs: number;
  uptimeS: number;
  restarts: number;
  requests: number;
  responses: Record<string, number>;
  aborted: number;
  inFlight: number;
  /** NOTE: sum of per-worker peaks — an upper bound of the simultaneous peak, exact for 1 worker. */
  peakInFlight: number;
  openConnections: number;
  /**
   * 1 when openConnections includes the connection of this very stats call (served on the main listener),
   * 0 when it does not (served on the primary's admin socket): connections of the load = open − selfConnection.
   */
  selfConnection: 0 | 1;
  /** Peak of the summed open connections, over the primary's samples (each second and at each stats call). */
  peakOpenConnections: number;
  /** workers whose fd guard has paused accepting now, and pauses since start (see server/fd-guard.ts) */
  pausedWorkers: number;
  listenerPauses: number;
  /** every worker's stubLate summed (the server's own lateness past the stub, since start), bucket width below */
  stubLate?: LateBuckets;
  stubLateBucketUs?: number;
  /** every worker's beforeHandler summed (wrk's write → the handler, stamped requests only), same buckets */
  beforeHandler?: LateBuckets;
  /** health checks answered (/healthz), never in requests or responses: the cross-check stays the load's */
  checks?: number;
  perWorker: WorkerStats[];
}

export class Counters {
  requests = 0;
  responses: Record<string, number> = {};
  aborted = 0;
  inFlight = 0;
  peakInFlight = 0;
  checks = 0;
  readonly late = new LateHistogram();
  readonly beforeHandler = new LateHistogram();

  received(): void {
    this.requests++;
  }

  started(): void {
    this.inFlight++;
    if (this.inFlight > this.peakInFlight) this.peakInFlight = this.inFlight;
  }

  finished(): void {
    this.inFlight--;
  }

  responded(status: number): void {
    const k = String(status);
    this.responses[k] = (this.responses[k] ?? 0) + 1;
  }

  abort(): void {
    this.aborted++;
  }
}

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

type Base = Pick<
  LabStats,
  "primaryPid" | "nativeUws" | "stubMs" | "uptimeS" | "restarts" | "selfConnection" | "peakOpenConnections"
>;

export function sumWorkers(perWorker: WorkerStats[], base: Base): LabStats {
  const total: LabStats = {
    ...base,
    workers: perWorker.length,
    pids: perWorker.map((w) => w.pid),
    requests: 0,
    responses: {},
    aborted: 0,
    inFlight: 0,
    peakInFlight: 0,
    openConnections: 0,
    pausedWorkers: 0,
    listenerPauses: 0,
    checks: 0,
    perWorker,
  };
  const late = sumLate(perWorker.map((w) => w.stubLate));
  if (late) Object.assign(total, { stubLate: late, stubLateBucketUs: LATE_BUCKET_US });
  const waits = sumLate(perWorker.map((w) => w.beforeHandler));
  if (waits) total.beforeHandler = waits;
  for (const w of perWorker) {
    total.requests += w.requests;
    addInto(total.responses, w.responses);
    total.aborted += w.aborted;
    total.inFlight += w.inFlight;
    total.peakInFlight += w.peakInFlight;
    total.openConnections += w.openConnections;
    total.pausedWorkers += w.paused ? 1 : 0;
    total.listenerPauses += w.listenerPauses ?? 0;
    total.checks = (total.checks ?? 0) + (w.checks ?? 0);
  }
  return total;
}
