// Parallel steps that each leave something to undo: wait for every one, then throw the first failure.

/** Every promise settled, then the first failure (in the given order) thrown: nothing still runs after a throw. */
export async function settleAll<T>(ps: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(ps);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** Run every undo step (newest first) even when one fails; the failures, each as one line, for the caller to say. */
export async function undoAll(steps: (() => Promise<void>)[]): Promise<string[]> {
  const failures: string[] = [];
  for (const step of steps.splice(0).reverse())
    await step().catch((e: unknown) =>
      failures.push(e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e)),
    );
  return failures;
}
