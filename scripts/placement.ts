// `make run` / `make doctor`: the CPU set of one side under PLACEMENT (split by default), printed for taskset.
import type { Argv } from "yargs";
import { driver } from "./lib/core/driver.ts";
import { PLACEMENT_OPTIONS } from "./lib/core/options.ts";
import { formatCpuList, resolveSplit } from "./lib/placement/cpus.ts";

const cli = {
  name: "placement",
  usage: "$0 <server|generator> [options] — that side's CPU list on stdout (empty when it floats)",
  options: PLACEMENT_OPTIONS,
  more: (y: Argv) =>
    y.command("server", "the server's CPUs").command("generator", "wrk's CPUs").demandCommand(1, 1),
};

await driver(cli, async (a) => {
  if (a.placement !== "split") {
    process.stdout.write("\n");
    return 0;
  }
  const s = resolveSplit(a["server-cpus"], a["generator-cpus"]);
  process.stdout.write(`${formatCpuList(a._[0] === "server" ? s.server : s.generator)}\n`);
  return 0;
});
