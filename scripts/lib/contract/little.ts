// The Little ceiling: at most one request in flight per connection, each held for the stub.

/** requests/s that `connections` can carry at a `stubMs` wait (the saturate mode's ceiling, the contract's 100k). */
export function littleCeilingRps(connections: number, stubMs: number): number {
  return connections / (stubMs / 1000);
}
