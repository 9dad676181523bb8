// Run ids: the start time as a sortable stamp, then mode, workers and connections — the name of a run's directory.
/** 2026-11-23T15:49:26Z → 20261123-154926: sorts by time, safe in a path. */
export function stamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

export function runId(startedAt: Date, mode: string, workers: number, connections: number): string {
  return `${stamp(startedAt)}-${mode}-w${workers}-c${connections}`;
}
