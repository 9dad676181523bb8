// Ctrl-C / SIGTERM as one process-wide AbortSignal, so every driver unwinds through its own cleanup.

export class Interrupted extends Error {
  constructor() {
    super("interrupted");
  }
}

let controller: AbortController | null = null;

/** The process's interrupt signal; the first call installs the SIGINT/SIGTERM handlers. */
export function interruptSignal(): AbortSignal {
  if (!controller) {
    const c = new AbortController();
    controller = c;
    // NOTE: a second Ctrl-C while cleanup runs is ignored: cleanup is bounded (wrk is SIGKILLed, the
    // server gets its drain grace) and a hard exit here would be the stray process we are avoiding.
    const onSignal = (): void => c.abort();
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return controller.signal;
}

/** Whether a Ctrl-C / SIGTERM has come (false before interruptSignal() installed the handlers). */
export function wasInterrupted(): boolean {
  return controller?.signal.aborted ?? false;
}

const pending = new WeakMap<AbortSignal, Promise<never>>();

/** Rejects with Interrupted when the signal fires; race it against the work. */
// NOTE: one shared promise (one listener) per signal: a sweep races hundreds of steps against it.
export function whenInterrupted(signal: AbortSignal): Promise<never> {
  let p = pending.get(signal);
  if (!p) {
    p = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(new Interrupted());
      signal.addEventListener("abort", () => reject(new Interrupted()), { once: true });
    });
    p.catch(() => {}); // NOTE: handled by whoever races it; an unraced interrupt must not crash the process
    pending.set(signal, p);
  }
  return p;
}

export function checkInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted();
}
