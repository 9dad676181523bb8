// The lab's wrk's stamps (wrk.send_stamp / answer_stamp): how long a request waited before its handler ran, and
// the answer's write time, for wrk to read how long the answer waited for it.
import { performance } from "node:perf_hooks";

/** The header the lab's wrk writes its CLOCK_MONOTONIC µs into (configs/wrk/report.lua, wrk/patches/send-stamp). */
export const SENT_STAMP_HEADER = "x-lab-sent";
/** The header a stamped request's answer carries: this server's CLOCK_MONOTONIC µs at the write (answer-stamp). */
export const ANSWER_STAMP_HEADER = "x-lab-done";

// NOTE: performance.now() and process.hrtime() both read libuv's CLOCK_MONOTONIC, the clock wrk stamps with;
// the offset between them is fixed, so one reading at load turns performance.now() into that clock's µs. Each
// call's first use is slow (~0.1 ms of set-up between the two reads): warm both, then read them back to back.
function monoOriginUs(): number {
  process.hrtime.bigint();
  performance.now();
  return Number(process.hrtime.bigint()) / 1000 - performance.now() * 1000;
}
const MONO_ORIGIN_US = monoOriginUs();

const monoUs = (): number => MONO_ORIGIN_US + performance.now() * 1000;

/** µs from the stamp (the request's write) to now, the handler's start; null when unstamped or unreadable. */
export function waitSinceStamp(stamp: string): number | null {
  if (stamp === "") return null;
  const sentUs = Number(stamp);
  if (!Number.isFinite(sentUs)) return null;
  return Math.max(0, monoUs() - sentUs);
}

/** Now on that clock, whole µs, for the answer's header. */
export function answerStamp(): string {
  return Math.round(monoUs()).toString();
}
