// Capacity notes, the regimes: runs grouped by the machine, placement and tuning in force, never pooled across them.
import { isPlaced, kindOf, type PlacementKind } from "../contract/placement.ts";
import type { ResultRecord } from "../contract/record.ts";
import { int } from "../core/format.ts";
import { mostCommon } from "../core/median.ts";
import { machineText } from "../machine/info.ts";

export interface Regime {
  /** stable, machine-readable: "split|s1|g0|somaxconn=4096|…" */
  key: string;
  /** for people: "split · server CPUs 1 · wrk CPUs 0" */
  placementLabel: string;
  /** for people: "somaxconn 4,096 · syn backlog 8,192 · ports 1024–65535 · tw_reuse 2 · nofile 20,000" */
  tuningLabel: string;
  /** for people: "2 × AMD EPYC, kernel 6.18.44-fc-v1272" */
  machineLabel: string;
  kind: PlacementKind;
  /** the generator did not share the server's CPUs (split, netns, hosts) */
  placed: boolean;
}

export interface RunGroup {
  regime: Regime;
  runs: ResultRecord[];
  /** runs recorded from a working tree with uncommitted changes (git.dirty): not reproducible from a commit */
  dirty: number;
}

const KIND_ORDER: PlacementKind[] = ["split", "netns", "hosts", "fleet", "shared"];

const cpuSet = (cpus: number[] | null | undefined): string => (cpus?.length ? cpus.join(",") : "all");

// NOTE: runs of different wrk builds are never pooled: the lab's costs ~2.5× less per paced request than Debian's
// and measures latency from the schedule. A record without a build ran Debian's 4.1.0 (no suffix: notes unchanged).
// NOTE: -t2 (the lab's default) is left unsaid, so older groups keep their names; other thread counts are their own.
const generatorOf = (r: ResultRecord): string => {
  const g = r.load.generator;
  const threads = r.load.threads !== undefined && r.load.threads !== 2 ? ` -t${r.load.threads}` : "";
  if (!g || (!g.patchSet && g.version === "4.1.0")) return threads;
  return `${g.patchSet ? ` · lab wrk ${g.patchSet}` : ` · wrk ${g.version}`}${threads}`;
};

function placementOf(r: ResultRecord): { key: string; label: string } {
  const p = placementOnly(r);
  const gen = generatorOf(r);
  return { key: p.key + gen, label: p.label + gen };
}

function placementOnly(r: ResultRecord): { key: string; label: string } {
  const kind = kindOf(r);
  if (kind === "shared" || !r.placement)
    return { key: "shared", label: "shared (server and wrk float over every CPU)" };
  const s = cpuSet(r.placement.server.cpus);
  const g = [...new Set(r.placement.generator.map((x) => cpuSet(x.cpus)))].join("+");
  const hosts = kind === "hosts" ? ` · ${r.placement.generator.length} client hosts` : "";
  // NOTE: a fleet's runs pool only with fleets of as many server hosts behind as many HAProxy processes.
  const lbs = r.fleet?.lb.processes ?? 1;
  const behind = lbs === 1 ? "HAProxy" : `${lbs} HAProxy processes`;
  const fleet = r.fleet ? ` · ${r.fleet.servers.length} servers behind ${behind}` : "";
  // NOTE: a shielded run (make lab SHIELD=1) had the server's CPUs to itself: never pooled with one that did not.
  const shield = r.placement.server.shieldedTasks !== undefined ? " · shielded" : "";
  return {
    key: `${kind}|s${s}|g${g}${shield}${fleet}`,
    label: `${kind}${fleet} · server CPUs ${s}${shield} · wrk CPUs ${g}${hosts}`,
  };
}

function tuningOf(r: ResultRecord): { key: string; label: string } {
  const t = r.tuning;
  const nofile = mostCommon(r.server.nofile.map((x) => x.soft).filter(Number.isFinite)) ?? t.nofileSoft;
  const v = (x: number | null | undefined): string => (typeof x === "number" ? int(x) : "?");
  const ports = t.ipLocalPortRange ? `${t.ipLocalPortRange[0]}–${t.ipLocalPortRange[1]}` : "?";
  const key = [t.somaxconn, t.tcpMaxSynBacklog, ports, t.tcpTwReuse, nofile].join("|");
  const label = `somaxconn ${v(t.somaxconn)} · syn backlog ${v(t.tcpMaxSynBacklog)} · ports ${ports} · tw_reuse ${v(t.tcpTwReuse)} · nofile ${v(nofile)}`;
  return { key, label };
}

// NOTE: speeds differ from one machine to the next on the same code (44–69k RPS saturated; a fleet shape held on
// one, collapsing on the next): runs of another CPU model or kernel build are another regime.
function machineOf(r: ResultRecord): { key: string; label: string } {
  const label = machineText(r.machine);
  return { key: label, label };
}

export function regimeOf(r: ResultRecord): Regime {
  const p = placementOf(r);
  const t = tuningOf(r);
  const m = machineOf(r);
  return {
    key: `${p.key}|${t.key}|${m.key}`,
    placementLabel: p.label,
    tuningLabel: t.label,
    machineLabel: m.label,
    kind: kindOf(r),
    placed: isPlaced(r),
  };
}

/** Runs by regime: placed before shared (split, netns, hosts), then the most runs first. */
export function groupRuns(runs: ResultRecord[]): RunGroup[] {
  const m = new Map<string, { regime: Regime; runs: ResultRecord[] }>();
  for (const r of runs) {
    const regime = regimeOf(r);
    const g = m.get(regime.key) ?? { regime, runs: [] };
    g.runs.push(r);
    m.set(regime.key, g);
  }
  return [...m.values()]
    .map((g) => ({ ...g, dirty: g.runs.filter((r) => r.git?.dirty === true).length }))
    .sort(
      (a, b) =>
        KIND_ORDER.indexOf(a.regime.kind) - KIND_ORDER.indexOf(b.regime.kind) ||
        b.runs.length - a.runs.length ||
        a.regime.key.localeCompare(b.regime.key),
    );
}

/** NOTE: a placed group needs this many cells to be the charts' group; below it the biggest group is drawn. */
const CHART_MIN_PLACED_CELLS = 8;

/** The group the charts draw: the placed one with the most cells when it has enough, else the one with the most. */
export function chartGroup<G extends RunGroup & { cells: unknown[] }>(groups: G[]): G | undefined {
  const most = (gs: G[]): G | undefined =>
    [...gs].sort((a, b) => b.cells.length - a.cells.length || groups.indexOf(a) - groups.indexOf(b))[0];
  const placed = most(groups.filter((g) => g.regime.placed));
  return placed && placed.cells.length >= CHART_MIN_PLACED_CELLS ? placed : most(groups);
}

/** "group A" … for references between the text's sections. */
export const groupName = (i: number): string =>
  `group ${String.fromCharCode(65 + (i % 26))}${i >= 26 ? i : ""}`;
