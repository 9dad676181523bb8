// A fleet over ssh to interrupt (run as a child by the tests): started from the inventory in argv[2], then
// "ready {pids, dirs}" printed; Ctrl-C (SIGINT to this process alone) must leave nothing on the hosts and exit 130.
import { interruptSignal, whenInterrupted } from "../../scripts/lib/core/interrupt.ts";
import { startSshFleetLab } from "../../scripts/lib/placement/fleet-ssh.ts";
import { BASE } from "./fleet.ts";
import { viewPids } from "./fleet-ssh.ts";

const signal = interruptSignal();
const lab = await startSshFleetLab({ ...BASE, inventory: process.argv[2] ?? "", signal });
try {
  const ready = { pids: await viewPids(lab), dirs: Object.values(lab.runDirs) };
  process.stdout.write(`ready ${JSON.stringify(ready)}\n`);
  await whenInterrupted(signal).catch(() => undefined);
} finally {
  await lab.stop();
}
process.exit(130);
