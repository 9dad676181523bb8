// Bounded revival of dead workers: a worker that refuses to start (exit 2) or a crash loop stops the server.
export type Revive = { revive: true } | { revive: false; reason: string; code: number; error?: string };

export class Revival {
  private readonly deaths: number[] = [];

  constructor(
    private readonly maxDeaths: number,
    private readonly windowS: number,
  ) {}

  /** Whether to replace a worker that died outside a stop; `how` is its exit code or signal, as text. */
  decide(pid: number | undefined, code: number, how: string, now = Date.now()): Revive {
    // NOTE: exit 2 is a worker refusing its environment (no native uWS, cannot listen): retrying is futile.
    if (code === 2) return { revive: false, reason: `worker ${pid} refused to start (${how})`, code: 2 };
    this.deaths.push(now);
    while ((this.deaths[0] ?? now) < now - this.windowS * 1000) this.deaths.shift();
    if (this.deaths.length > this.maxDeaths) {
      const error = `error: crash loop: ${this.deaths.length} worker deaths in ${this.windowS} s (last: ${how})`;
      return { revive: false, reason: "crash loop", code: 1, error };
    }
    return { revive: true };
  }
}
