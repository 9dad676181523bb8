// A promise that resolves after a delay: the lab's one sleep for polling loops and pauses.
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
