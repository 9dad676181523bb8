// What machine and code a run was made on: CPUs, RAM, kernel, Node, wrk, git commit.
import os from "node:os";
import { ROOT } from "../core/paths.ts";
import { shSync } from "../core/shell.ts";

export function machineInfo(wrk: string | null) {
  return {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? "unknown",
    ramBytes: os.totalmem(),
    kernel: os.release(),
    node: process.version,
    wrk,
  };
}

/** A machine for people and as a key: "2 × AMD EPYC, kernel 6.18.44-fc-v1272" (speeds differ between two). */
export const machineText = (m: { cpus: number; model: string; kernel: string }): string =>
  `${m.cpus} × ${m.model}, kernel ${m.kernel}`;

export function gitInfo(): { commit: string | null; dirty: boolean } {
  const git = (...args: string[]): string | null => {
    const o = shSync`git -C ${ROOT} ${args}`;
    return o.ok ? o.stdout.trim() : null;
  };
  const commit = git("rev-parse", "HEAD");
  // NOTE: results/ is what the lab writes (each run rewrites results/README.md), not its code: a second run of
  // `make lab` is still from a clean tree.
  const status = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results");
  return { commit, dirty: commit !== null && (status ?? "") !== "" };
}
