// Capacity notes, Markdown pieces shared by the sections: number formats, escaping, table rows, cell names.
import { int } from "../core/format.ts";
import type { CellSummary } from "./notes-data.ts";

export const n = (x: number): string => (Number.isFinite(x) ? int(x) : "-");
export { ms } from "../core/format.ts";
export const mib = (b: number): string => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(1) : "-");
export const esc = (s: string): string => s.replaceAll("|", "\\|");
export const row = (cells: (string | number)[]): string => `| ${cells.join(" | ")} |`;
export const cellName = (c: CellSummary): string =>
  `${c.mode} · ${n(c.connections)} conns${c.mode === "paced" ? ` @ ${n(c.targetRps)} rps` : ""}`;
