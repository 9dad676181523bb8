// An LB's stats sockets, one per HAProxy process: a command to each, their `show stat` and `show info` as one LB's.
import { connect } from "node:net";
import { BACKEND } from "./haproxy-config.ts";
import { mergeShowInfo, mergeStatRows } from "./haproxy-merge.ts";
import { type HaproxyInfo, parseShowInfo, parseShowStat, type StatRow } from "./haproxy-stats.ts";

// NOTE: one command per connection (HAProxy's non-interactive mode): it answers and closes. The command is
// written without a half-close, which could end the session before the answer.
/** Send one command to the stats socket; its whole answer. */
export function haproxyCommand(socket: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect(socket);
    let out = "";
    const timer = setTimeout(
      () => c.destroy(new Error(`${socket}: no answer to "${command}" in ${timeoutMs} ms`)),
      timeoutMs,
    );
    c.setEncoding("utf8");
    c.on("connect", () => c.write(`${command}\n`));
    c.on("data", (d: string) => {
      out += d;
    });
    c.on("close", (hadError) => {
      clearTimeout(timer);
      if (!hadError) resolve(out);
    });
    c.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** What the LB's stats sockets answer: any command, `show stat` and `show info` typed (every process's summed), a server in or out of rotation. */
export interface HaproxyClient {
  /** sent to every process; their answers, one after another */
  command: (cmd: string) => Promise<string>;
  stat: () => Promise<StatRow[]>;
  /** each process's rows, in the sockets' order */
  statEach: () => Promise<StatRow[][]>;
  info: () => Promise<HaproxyInfo & { processes: number }>;
  /** take a backend server out of rotation (MAINT) or put it back: `disable|enable server servers/<name>` */
  setServer: (name: string, state: "enable" | "disable") => Promise<void>;
}

/** The client of an LB's stats sockets here, one per process (a forwarded one too: the LB over ssh). */
export function haproxyClient(sockets: string | readonly string[], timeoutMs = 2000): HaproxyClient {
  const all = typeof sockets === "string" ? [sockets] : sockets;
  const each = (cmd: string): Promise<string[]> =>
    Promise.all(all.map((s) => haproxyCommand(s, cmd, timeoutMs)));
  return {
    command: async (cmd) => (await each(cmd)).join(""),
    stat: async () => mergeStatRows((await each("show stat")).map(parseShowStat)),
    statEach: async () => (await each("show stat")).map(parseShowStat),
    info: async () => mergeShowInfo((await each("show info")).map(parseShowInfo)),
    setServer: async (name, state) => {
      const out = (await each(`${state} server ${BACKEND}/${name}`)).join("").trim();
      if (out !== "") throw new Error(`haproxy: ${state} server ${BACKEND}/${name}: ${out}`);
    },
  };
}
