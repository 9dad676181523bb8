// The option builder: a driver picks options from the catalogue; each value is parsed where it is declared.
import type { Argv } from "yargs";
import { CATALOGUE, type Raw, type SloDefaults, type Spec } from "./option-catalogue.ts";

type Cat = typeof CATALOGUE;
export type OptionName = keyof Cat;

/** Where each side runs, as every placed driver takes it (placement/local.ts reads these three). */
export const PLACEMENT_OPTIONS = ["placement", "server-cpus", "generator-cpus"] as const;
/** One load run's shape against the SLO, as loadtest and compare take it. */
export const LOAD_OPTIONS = [
  "mode",
  "connections",
  "threads",
  "duration",
  "warmup",
  "target-rps",
  "budget-ms",
] as const;

/**
 * A driver's change to a catalogue entry: a default of its own (as typed), `null` for none (the option is
 * then `undefined` unless given), the vocabulary of a list option (--peers, --scenario), or the parser of an
 * entry whose parser lives above core (--thresholds: diff/thresholds.ts).
 */
export type Override =
  | Raw
  | null
  | { default?: Raw | null; allowed?: readonly string[]; parse?: (name: string, raw: unknown) => unknown };

type ValueOf<K extends OptionName, O> = K extends keyof O
  ? O[K] extends { parse: (...a: never[]) => infer V }
    ? V
    : CatalogueValue<K>
  : CatalogueValue<K>;
type CatalogueValue<K extends OptionName> = Cat[K] extends { parse: (...a: never[]) => infer V }
  ? V
  : Cat[K] extends { choices: readonly (infer C)[] }
    ? C
    : Cat[K] extends { type: "boolean" }
      ? boolean
      : string;
type OwnDefault<X> = X extends null
  ? "none"
  : X extends Raw
    ? "set"
    : X extends { default: null }
      ? "none"
      : X extends { default: Raw }
        ? "set"
        : "catalogue";
type CatalogueDefault<K extends OptionName> = Cat[K] extends { default: unknown } ? "set" : "none";
type Defaulted<K extends OptionName, O> = (K extends keyof O ? OwnDefault<O[K]> : "catalogue") extends infer D
  ? D extends "catalogue"
    ? CatalogueDefault<K>
    : D
  : never;

/** What the parsed arguments hold: the parsed type, `| undefined` only when the option has no default. */
export type Values<K extends OptionName, O> = {
  [P in K]: Defaulted<P, O> extends "set" ? ValueOf<P, O> : ValueOf<P, O> | undefined;
};

function defaultOf(
  name: string,
  spec: Spec<unknown>,
  o: Override | undefined,
  slo?: SloDefaults,
): Raw | undefined {
  const own = o !== null && typeof o === "object" ? ("default" in o ? o.default : undefined) : o;
  if (own === null) return undefined;
  if (own !== undefined) return own;
  if (typeof spec.default !== "function") return spec.default;
  if (!slo) throw new Error(`option --${name}: its default comes from the SLO, pass the slo to options()`);
  return spec.default(slo);
}

/**
 * Add the named catalogue options to a driver's yargs, in this order. A bad value (also `""`) is refused by
 * the option's own parser through yargs `coerce`, so it ends as one `error:` line and exit 2 (cli.ts).
 * `slo`: where the SLO-bound defaults (connections, duration, target-rps, …) come from.
 */
export function options<
  T,
  K extends OptionName,
  const O extends { [P in K]?: Override } = Record<never, never>,
>(y: Argv<T>, names: readonly K[], overrides?: O, slo?: SloDefaults): Argv<T & Values<K, O>> {
  for (const name of names) {
    const spec: Spec<unknown> = CATALOGUE[name];
    const o = (overrides as Partial<Record<OptionName, Override>> | undefined)?.[name];
    const own = o !== null && typeof o === "object" ? o : undefined;
    const allowed = own?.allowed ?? [];
    const parse = own?.parse ?? spec.parse;
    y.option(name, {
      type: spec.type === "boolean" ? "boolean" : "string",
      alias: spec.alias,
      desc: allowed.length > 0 ? `${spec.desc}: ${allowed.join(", ")}` : spec.desc,
      default: defaultOf(name, spec, o, slo),
      choices: spec.choices,
      requiresArg: spec.type !== "boolean",
      // NOTE: yargs also calls coerce for an option that was not given and has no default (raw undefined).
      coerce: parse
        ? (raw: unknown) => (raw === undefined ? undefined : parse(name, raw, allowed))
        : undefined,
    });
    // NOTE: parsed as text (so "" and "1.5" reach the parser, which refuses them) but shown as [number]:
    // yargs-parser keeps a key it knows as a string as text, and --help shows the number type last.
    if (spec.type === "number") y.number(name);
  }
  return y as unknown as Argv<T & Values<K, O>>;
}
