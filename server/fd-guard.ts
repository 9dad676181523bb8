// fd-exhaustion guard: pause accepting (close the listen socket) near the open-files limit, resume below it.
import { readdirSync, readFileSync, statSync } from "node:fs";

// NOTE: when accept() fails with EMFILE, uSockets leaves the listen socket readable and retries at once:
// the worker busy-spins at ~100 % CPU (uWebSockets issue 445; 97 % measured here). This build has no
// connection events (no app.filter), so the guard cannot cap connections one by one; it polls its own fd
// count and closes the listen socket above `high`, re-listening at or below `low`. SO_REUSEPORT then sends
// new connections to the other workers; when every worker is paused, connects are refused by the kernel
// (zero server CPU) instead of being accepted and dropped.
// NOTE: closing a listen socket resets the connections still in its accept queue (their clients see a
// reset), and while every worker is paused the port is unbound: preflight's port check runs at start only.
// NOTE: a burst can still reach the limit between two polls; the spin then lasts until the next poll.

/** Open fds of a process: st_size of /proc/<pid>/fd (Linux ≥ 6.2, ~5 µs); readdir (~0.7 µs per fd) before. */
export function openFds(pid: number | "self"): number | null {
  try {
    const n = statSync(`/proc/${pid}/fd`).size;
    if (n > 0) return n;
    return readdirSync(`/proc/${pid}/fd`).length - (pid === "self" ? 1 : 0);
  } catch {
    return null;
  }
}

/** The soft RLIMIT_NOFILE of this process (Infinity when unlimited or unreadable). */
export function softNofile(): number {
  try {
    const m = /^Max open files\s+(\S+)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    const n = Number(m?.[1]);
    return Number.isFinite(n) && n > 0 ? n : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

export interface FdGuardHooks {
  pause: (fds: number) => void;
  /** false: could not listen again; the guard stays paused and retries at its next poll */
  resume: (fds: number) => boolean;
}

export const POLL_MS = 50;

export class FdGuard {
  readonly high: number;
  readonly low: number;
  paused = false;
  pauses = 0;
  fds = 0;
  private timer: NodeJS.Timeout | null = null;

  // NOTE: the headroom (5 %, at least 64) covers stdio, IPC, epoll and what a burst adds within one poll.
  constructor(
    readonly limit: number,
    private readonly hooks: FdGuardHooks,
  ) {
    const room = Math.max(64, Math.ceil(limit * 0.05));
    this.high = limit - room;
    this.low = this.high - room;
  }

  start(): void {
    if (!Number.isFinite(this.limit) || this.high <= 0) return;
    this.timer = setInterval(this.check, POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private readonly check = (): void => {
    const n = openFds("self");
    if (n === null) return;
    this.fds = n;
    if (!this.paused && n >= this.high) {
      this.paused = true;
      this.pauses++;
      this.hooks.pause(n);
    } else if (this.paused && n <= this.low && this.hooks.resume(n)) {
      this.paused = false;
    }
  };
}
