// `make unshield`: put back the tasks a killed `make lab SHIELD=1` left off the server's CPUs (safe twice).
import { runMain } from "./lib/core/cli.ts";
import { lowerShield, shieldStatePath } from "./lib/placement/shield.ts";

await runMain(async () => {
  const path = shieldStatePath();
  const n = lowerShield(path);
  process.stdout.write(
    n > 0 ? `unshield: ${n} tasks back on their CPUs (${path})\n` : "unshield: nothing to put back\n",
  );
  return 0;
});
