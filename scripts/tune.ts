// `make tune` / `make untune`: apply a sysctl profile (originals saved first), and restore them byte for byte.
import type { Argv } from "yargs";
import { driver } from "./lib/core/driver.ts";
import { tune, untune } from "./lib/machine/tune.ts";

const cli = {
  name: "tune",
  usage:
    "$0 tune [--profile 20k] [--persist] | $0 untune — exit 0 done, 1 a write failed (rolled back), 2 bad input or not root",
  options: ["profile", "persist"] as const,
  more: (y: Argv) =>
    y
      .command("tune", "save the current values, then apply configs/tuning/<profile>.conf")
      .command("untune", "restore the saved values exactly and delete the state file")
      .demandCommand(1, 1),
};

await driver(cli, async (a) => {
  const code = String(a._[0]) === "untune" ? untune() : tune(a.profile, a.persist);
  return code === 1 ? { code, says: "FAIL (a write failed, see above)" } : code;
});
