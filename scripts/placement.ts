// `make run` / `make doctor`: the CPU set of one side under PLACEMENT (split by default), printed for taskset.
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { parseArgs, runMain } from "./lib/core/cli.ts";
import { options } from "./lib/core/options.ts";
import { formatCpuList, resolveSplit } from "./lib/placement/cpus.ts";

await runMain(async () => {
  const a = parseArgs(
    options(
      yargs(hideBin(process.argv))
        .scriptName("placement")
        .usage("$0 <server|generator> [options] — that side's CPU list on stdout (empty when it floats)")
        .command("server", "the server's CPUs")
        .command("generator", "wrk's CPUs")
        .demandCommand(1, 1),
      ["placement", "server-cpus", "generator-cpus"] as const,
    ),
  );
  if (a.placement !== "split") {
    process.stdout.write("\n");
    return 0;
  }
  const s = resolveSplit(a["server-cpus"], a["generator-cpus"]);
  process.stdout.write(`${formatCpuList(a._[0] === "server" ? s.server : s.generator)}\n`);
  return 0;
});
