// Capacity notes, Markdown pieces shared by the sections: number formats, escaping, table rows, cell names.
import { int } from "../core/format.ts";

export const n = (x: number): string => (Number.isFinite(x) ? int(x) : "-");
export { ms } from "../core/format.ts";
export const mib = (b: number): string => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(1) : "-");
export const esc = (s: string): string => s.replaceAll("|", "\\|");
export const row = (cells: (string | number)[]): string => `| ${cells.join(" | ")} |`;
/** "1 run", "3 runs" */
export const count = (x: number, word: string): string => `${n(x)} ${word}${x === 1 ? "" : "s"}`;
