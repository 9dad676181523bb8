// Which load generator ran, as the record names it: runs of different builds are never pooled.
/** The load generator that ran: the lab's wrk build (wrk/) or another, named so runs of different builds never pool. */
export interface GeneratorBuild {
  path: string;
  /** e.g. "4.1.0-lab" (the lab's) or "4.1.0" (Debian's) */
  version: string;
  /** `wrk -v`'s first line, without the copyright */
  versionLine: string;
  /** hash of the lab's patch set (wrk/build.sh --patch-hash); null for another build */
  patchSet: string | null;
  /** paced latency measured from each request's scheduled slot (the lab's) or from its write (Debian's) */
  latencyFrom: "schedule" | "write";
}
