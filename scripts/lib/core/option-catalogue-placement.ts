// The placement options of the catalogue (option-catalogue.ts): where each side runs, hosts, a fleet behind an LB.
import { parseCpuList } from "./cpu-list.ts";
import * as p from "./parse.ts";

export const PLACEMENTS = ["split", "shared", "netns", "hosts"] as const;
const int = (min: number, max: number) => (name: string, raw: unknown) => p.integer(name, raw, min, max);
const cpus = (name: string, raw: unknown) => parseCpuList(`--${name}`, p.nonEmpty(name, raw));

export const PLACEMENT_CATALOGUE = {
  placement: {
    type: "string",
    desc: "where each side runs: split (own CPU sets, one machine), shared (both float), netns (emulated hosts), hosts (--hosts inventory over ssh)",
    choices: PLACEMENTS,
    default: "split",
  },
  "server-cpus": {
    type: "string",
    desc: "CPUs of every server process, taskset-style (1 or 2-3); default: the upper half of the CPUs",
    parse: cpus,
  },
  "generator-cpus": {
    type: "string",
    desc: "CPUs of every wrk shard, taskset-style (0 or 0-1); default: the lower half of the CPUs",
    parse: cpus,
  },
  shield: {
    type: "boolean",
    desc: "split only: move every other task off the server's CPUs for the run (put back after; make unshield if killed)",
    default: false,
  },
  servers: {
    type: "number",
    desc: "server hosts behind HAProxy (make lab: a fleet in network namespaces, wrk targets the LB; make fleet-up: s1…sn + an lb host in the inventory); 0 = one server, no LB",
    default: 0,
    parse: int(0, 8),
  },
  "lb-processes": {
    type: "number",
    desc: "a fleet's HAProxy processes sharing the LB's port (SO_REUSEPORT), each under the fd hard limit; 0 = the fewest the connections need (one holds ≈ 9,500 of them)",
    default: 0,
    parse: int(0, 8),
  },
  "rate-limit": {
    type: "number",
    desc: "a fleet's per-client limit at the LB (seed 004's): requests/s from one client address beyond it are answered 429 by HAProxy (non-2xx); 0 = none",
    default: 0,
    parse: int(0, 1_000_000),
  },
  clients: {
    type: "number",
    desc: "client network namespaces (emulated hosts) the wrk shards are spread over",
    default: 2,
    parse: int(1, 8),
  },
  hosts: {
    type: "string",
    desc: "inventory file of the hosts placement (configs/hosts/example.json)",
    parse: p.nonEmpty,
  },
} as const;
