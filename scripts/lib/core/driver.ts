// A driver's opening, once: its yargs (name, usage, catalogue options) parsed under runMain, then its main.
import yargs, { type Argv } from "yargs";
import { hideBin } from "yargs/helpers";
import { type Outcome, parseArgs, runMain } from "./cli.ts";
import type { SloDefaults } from "./option-catalogue.ts";
import { type OptionName, type Override, options, type Values } from "./options.ts";

/** The parsed command line a driver's main gets: the options' values, `_` (commands) and `$0`. */
export type Args<T> = ReturnType<typeof parseArgs<T>>;

export interface Driver<K extends OptionName, O, S, T> {
  /** the name --help and the errors show (the make target's) */
  name: string;
  /** the usage line(s): what it does and its exit codes */
  usage: string;
  /** the catalogue's options it takes, in --help's order (core/option-catalogue.ts) */
  options: readonly K[];
  /** its own defaults, vocabularies or parsers (core/options.ts's Override) */
  overrides?: O;
  /**
   * Where the SLO-bound defaults come from (core/slo.ts's loadSlo). Read inside runMain, so a bad
   * configs/slo.json is one line and exit 2; main gets what it returned.
   */
  slo?: () => S;
  /** yargs additions before the options: commands, positionals, a driver's own option */
  more?: (y: Argv) => Argv<T>;
}

/** Parse the command line as the driver declares (a bad value: one line, exit 2), run main, end with its exit line. */
export function driver<
  K extends OptionName,
  const O extends { [P in K]?: Override } = Record<never, never>,
  S extends SloDefaults | undefined = undefined,
  T = object,
>(
  d: Driver<K, O, S, T>,
  main: (a: Args<T & Values<K, O>>, slo: S) => Promise<number | Outcome>,
): Promise<void> {
  return runMain(async () => {
    const slo = d.slo?.() as S;
    const y = yargs(hideBin(process.argv)).scriptName(d.name).usage(d.usage);
    const more = d.more ? d.more(y) : (y as unknown as Argv<T>);
    return main(parseArgs(options(more, d.options, d.overrides, slo ?? undefined)), slo);
  });
}
