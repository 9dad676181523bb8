// A fleet run's record (make lab SERVERS=n) as the numbers the fleet plan is checked against.
import type { ResultRecord } from "../contract/record.ts";
import { InvalidRun } from "../core/cli.ts";
import type { FleetMeasured } from "./fleet-check.ts";

// NOTE: a server's steady RPS is its share of the run's requests × the steady RPS: its own counters are read
// before and after the phase, not per second.
export function fleetMeasuredOf(r: ResultRecord, option: string): FleetMeasured {
  const f = r.fleet;
  if (!f)
    throw new InvalidRun(
      `--${option}: ${r.id} is not a fleet run (make lab SERVERS=n records one) — name a run with a fleet`,
    );
  const m = r.measurements;
  if (r.load.mode !== "paced")
    throw new InvalidRun(
      `--${option}: ${r.id} is a ${r.load.mode} run — name a paced fleet run (its rate is the plan's)`,
    );
  const servers = f.servers.flatMap((s) =>
    s.usPerRequest === null ? [] : [{ rps: (m.rps * s.sharePct) / 100, usPerRequest: s.usPerRequest }],
  );
  if (servers.length < f.servers.length)
    throw new InvalidRun(
      `--${option}: ${r.id} ran its servers on other machines: their CPU was not measured`,
    );
  return {
    rps: m.rps,
    servers,
    lbUsPerRequest: m.cpu.lbUsPerRequest ?? f.lb.usPerRequest,
    p99Us: m.latencyUs.p99,
  };
}
