// Measure a path between two emulated hosts: TCP connect time from one namespace to a listener in another.

import { InvalidRun } from "../core/cli.ts";
import { Interrupted } from "../core/interrupt.ts";
import { firstLine, killQuietly, run, sh } from "../core/shell.ts";
import { inNetns, type NsHost } from "./topology.ts";

export interface ConnectProbe {
  from: string;
  to: string;
  samples: number;
  /** connect() → connected, milliseconds */
  p50Ms: number;
  minMs: number;
  maxMs: number;
}

// A listener that accepts and closes; prints "ready" once bound.
const LISTENER = `const s=require("net").createServer(c=>c.end());s.listen(+process.argv[2],process.argv[1],()=>console.log("ready"));`;
// Connects n times in sequence, prints the connect times (ms) as JSON.
const CLIENT = `const net=require("net");const [a,p,n]=process.argv.slice(1);const t=[];
const one=()=>{if(t.length>=+n){console.log(JSON.stringify(t));return;}const s=process.hrtime.bigint();
const c=net.connect(+p,a,()=>{t.push(Number(process.hrtime.bigint()-s)/1e6);c.destroy();one();});
c.on("error",e=>{console.error(e.message);process.exit(1);});};one();`;

/** Quick TCP connect round trips from `from` to a throwaway listener on `to`:port (default 9, off the lab ports). */
export async function probeConnect(from: NsHost, to: NsHost, samples = 20, port = 9): Promise<ConnectProbe> {
  const node = process.execPath;
  const argv = inNetns(to.ns, [node, "-e", LISTENER, to.address, String(port)]);
  const listener = sh({
    timeout: "20s",
    stdio: ["ignore", "pipe", "pipe"],
  })`${argv}`;
  try {
    await new Promise<void>((resolve, reject) => {
      listener.stdout.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
      void listener.then((o) =>
        reject(
          o.signal ? new Interrupted() : new InvalidRun(`probe listener in ${to.ns} exited: ${firstLine(o)}`),
        ),
      );
    });
    const out = await run(inNetns(from.ns, [node, "-e", CLIENT, to.address, String(port), String(samples)]));
    if (!out.ok)
      throw new InvalidRun(`TCP connect ${from.ns} → ${to.address}:${port} failed: ${firstLine(out)}`);
    const times = (JSON.parse(out.stdout) as number[]).sort((a, b) => a - b);
    const r3 = (x: number | undefined): number => Math.round((x ?? 0) * 1000) / 1000;
    return {
      from: from.name,
      to: to.name,
      samples: times.length,
      p50Ms: r3(times[Math.floor(times.length / 2)]),
      minMs: r3(times[0]),
      maxMs: r3(times[times.length - 1]),
    };
  } finally {
    await killQuietly(listener);
    await listener;
  }
}
