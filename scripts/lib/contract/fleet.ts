// A fleet run's record (SERVERS=n behind HAProxy): a row per server host and one for the LB, base units only.

/** One server host over the measured phase: its own counters (admin socket), CPU and run-queue wait. */
export interface FleetServerRow {
  host: string;
  address: string;
  /** its CPU set; null = every CPU */
  cpus: number[] | null;
  workers: number;
  requests: number;
  responses2xx: number;
  non2xx: number;
  aborted: number;
  /** health checks it answered (HAProxy's), apart from requests; null: a server that does not count them */
  checks: number | null;
  /** its share of every server's received requests, % */
  sharePct: number;
  /** CPU µs of its processes (primary and workers), and per answer; null: on another machine (not readable here) */
  cpuUs: number | null;
  usPerRequest: number | null;
  /** its event loops' run-queue wait over the phase, % of the phase (one loop waiting throughout = 100); null as above */
  runQueueWaitPct: number | null;
  /** the server's own lateness past the stub, p99 µs (100 µs buckets); null when not reported */
  ownLateP99Us: number | null;
  /** as HAProxy saw it: sessions, connection and response errors, retries, redispatches, UP→DOWN transitions */
  lb: {
    sessions: number;
    connErrors: number;
    respErrors: number;
    retries: number;
    redispatches: number;
    downs: number;
    /** its status at the end: UP, DOWN, MAINT … */
    status: string;
  };
}

/** The LB over the measured phase: its stats socket's frontend and backend, and its CPU as a side of its own. */
export interface FleetLbRow {
  host: string;
  address: string;
  cpus: number[] | null;
  /** the first process's; null: on another machine (its CPU figures are then null: not readable here) */
  pid: number | null;
  /** HAProxy processes sharing the port (SO_REUSEPORT); absent in records before they could be several: 1 */
  processes?: number;
  version: string;
  /** threads per process */
  nbthread: number;
  /** every process's, summed */
  maxconn: number;
  /** every process's (these four); null: on another machine, its CPU is not readable here */
  cpuUs: number | null;
  /** % of one core over the steady window (the whole phase without one), and of the CPUs it was given */
  cpuPct: number | null;
  ofItsCpusPct: number | null;
  usPerRequest: number | null;
  /** client sessions (the frontend): total over the phase, peak (HAProxy's maxima are reset before the phase) */
  sessions: number;
  /** each process's share of them (the kernel's spread over the listeners); absent in older records */
  sessionsEach?: number[];
  peakSessions: number;
  /** requests that queued for a server: peak queue */
  peakQueue: number;
  connErrors: number;
  respErrors: number;
  retries: number;
  redispatches: number;
  /** UP→DOWN transitions of every server over the phase */
  healthTransitions: number;
  /** answers the LB gave itself (its rate limit's 429, 502/503 with no server): by class, counted as non-2xx */
  ownAnswers: Record<string, number>;
  /** requests its rate limit denied */
  denied: number;
}

export interface FleetRecord {
  lb: FleetLbRow;
  servers: FleetServerRow[];
}
