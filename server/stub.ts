// The 200 ms wait: one FIFO and one timer per worker instead of a closure + setTimeout per request.
import { performance } from "node:perf_hooks";

// NOTE: every request waits the same stubMs, so deadlines are already sorted by arrival: a FIFO is an
// exact timer wheel with one slot. One timer is armed for the head; each tick answers everything due.
// NOTE: Node timers compare against the loop's cached clock and can fire up to ~1 ms early, so the head
// is re-checked against performance.now() and the timer re-armed: no answer ever comes before stubMs.
export class StubQueue<T> {
  private items: (T | undefined)[] = [];
  private due: number[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly delayMs: number,
    /** called with the item and its due time (performance.now() clock, ms) */
    private readonly fire: (item: T, dueMs: number) => void,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
    this.due.push(performance.now() + this.delayMs);
    if (this.timer === null) this.arm(this.delayMs);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.tick, Math.max(1, Math.ceil(ms)));
  }

  private readonly tick = (): void => {
    this.timer = null;
    const now = performance.now();
    while (this.head < this.items.length && (this.due[this.head] ?? 0) <= now) {
      const item = this.items[this.head] as T;
      const due = this.due[this.head] ?? now;
      this.items[this.head] = undefined;
      this.head++;
      this.fire(item, due);
    }
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.due = this.due.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.items.length) this.arm((this.due[this.head] ?? now) - now);
  };
}
