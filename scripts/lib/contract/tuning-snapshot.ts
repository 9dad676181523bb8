// The limits and kernel settings a result record keeps of the machine it ran on (read by machine/limits.ts).
export interface TuningSnapshot {
  nofileSoft: number | null;
  nofileHard: number | null;
  nrOpen: number | null;
  fileMax: number | null;
  somaxconn: number | null;
  tcpMaxSynBacklog: number | null;
  ipLocalPortRange: [number, number] | null;
  /** net.ipv4.ip_local_reserved_ports as the kernel lists it ("8000-8099"; "" = none; absent in early records) */
  ipLocalReservedPorts?: string | null;
  tcpTwReuse: number | null;
  netdevMaxBacklog: number | null;
  tcpFinTimeout: number | null;
}
