import { BridgeError } from "./errors";
import { collectionNameProblem, databaseNameProblem } from "./mongo-names";
import type { ValueReader } from "./ports";

/**
 * One way to read configuration. Each capability declares its settings as a table of name, parser
 * and default; App Services values and environment variables are read through the same parsers, so
 * the same value gets the same rules and the same error message wherever it is read. The lists of
 * value names (checked by `npm run check`) and the defaults come from the tables.
 */

/** Turns a present value (never undefined, null or "") into a setting, or throws ConfigError. */
export type Parser<T> = (raw: unknown, name: string) => T;

export interface Setting<T> {
  readonly name: string;
  readonly parse: Parser<T>;
  /** Used when the value is absent (undefined, null or ""); a function may derive it from other settings. */
  readonly fallback: T | ((read: SettingReader) => T);
}

/** Reads a setting of the same table (for defaults that follow another setting). */
export type SettingReader = <T>(setting: Setting<T>) => T;

export function setting<T>(name: string, parse: Parser<T>, fallback: Setting<T>["fallback"]): Setting<T> {
  return { name, parse, fallback };
}

/** A setting whose absence is allowed and reads as undefined. */
export function optional<T>(name: string, parse: Parser<T>): Setting<T | undefined> {
  return { name, parse, fallback: undefined as T | undefined };
}

export function misconfigured(message: string): BridgeError {
  return new BridgeError("setting_invalid", message);
}

/** Reads one setting: absent values take the fallback, present ones must parse. */
export function readSetting<T>(read: ValueReader, entry: Setting<T>): T {
  const raw = read(entry.name);
  if (raw === undefined || raw === null || raw === "") {
    return typeof entry.fallback === "function"
      ? (entry.fallback as (r: SettingReader) => T)((other) => readSetting(read, other))
      : entry.fallback;
  }
  return entry.parse(raw, entry.name);
}

/** Reads a whole table: `{key: Setting<T>}` in, `{key: T}` out. */
export function readSettings<Table extends Record<string, Setting<unknown>>>(
  read: ValueReader,
  table: Table,
): { [K in keyof Table]: Table[K] extends Setting<infer T> ? T : never } {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(table)) out[key] = readSetting(read, table[key]);
  return out as { [K in keyof Table]: Table[K] extends Setting<infer T> ? T : never };
}

/** Every value name a table reads, in declaration order. */
export function settingNames(...tables: Record<string, Setting<unknown>>[]): string[] {
  const names: string[] = [];
  for (const table of tables)
    for (const key of Object.keys(table)) if (names.indexOf(table[key].name) === -1) names.push(table[key].name);
  return names;
}

// ---- parsers ----------------------------------------------------------------------------------

/** Any non-empty string. */
export const text: Parser<string> = (raw, name) => {
  if (typeof raw !== "string") throw misconfigured(`${name} must be a string`);
  return raw;
};

/** A database name by MongoDB's naming rules (mongo-names.ts). */
export const databaseName: Parser<string> = (raw, name) => {
  const problem = databaseNameProblem(text(raw, name));
  if (problem !== undefined) throw misconfigured(`${name} ${problem}`);
  return raw as string;
};

/** A collection name by MongoDB's naming rules (mongo-names.ts). */
export const collectionName: Parser<string> = (raw, name) => {
  const problem = collectionNameProblem(text(raw, name));
  if (problem !== undefined) throw misconfigured(`${name} ${problem}`);
  return raw as string;
};

/** An AWS region name's shape: lowercase letters, then dash-separated words, then a number ("us-east-1", "us-gov-west-1"). */
const AWS_REGION_SHAPE = /^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$/;

/**
 * An AWS region name, checked for its shape only (which regions exist is `npm run check`'s to warn
 * about: the functions carry no list of them). A dash left out before the number is named.
 */
export const awsRegion: Parser<string> = (raw, name) => {
  const value = text(raw, name);
  if (AWS_REGION_SHAPE.test(value)) return value;
  const fixed = value
    .trim()
    .toLowerCase()
    .replace(/([a-z])([0-9]+)$/, "$1-$2");
  const hint = fixed !== value && AWS_REGION_SHAPE.test(fixed) ? `; did you mean "${fixed}"?` : "";
  throw misconfigured(
    `${name} "${value.slice(0, 40)}" is not an AWS region name (such as "us-east-1" or "eu-central-2")${hint}`,
  );
};

export function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return (raw, name) => {
    const value = text(raw, name);
    if (allowed.indexOf(value as T) === -1)
      throw misconfigured(`${name} must be one of ${allowed.join(", ")}; got "${value.slice(0, 40)}"`);
    return value as T;
  };
}

/** A whole number from `min` to `max`, given as a number or as its decimal text (environment variables). */
export function wholeNumber(min: number, max: number): Parser<number> {
  return (raw, name) => {
    const value =
      typeof raw === "number" ? raw : typeof raw === "string" && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max) || Math.floor(value) !== value)
      throw misconfigured(`${name} must be a whole number from ${min} to ${max}`);
    return value;
  };
}

/** true or false, given as a boolean or as the text "true"/"false" (environment variables). */
export const flag: Parser<boolean> = (raw, name) => {
  if (raw === true || raw === "true") return true;
  if (raw === false || raw === "false") return false;
  throw misconfigured(`${name} must be true or false`);
};

/**
 * A credential that may be switched off: App Services wants every secret a value names to exist, so
 * a deployment that goes without this credential gives its secret the text "none".
 */
export const credential: Parser<string | undefined> = (raw, name) => {
  const value = text(raw, name);
  return value.trim().toLowerCase() === "none" ? undefined : value;
};

/** An http(s) URL, such as an emulator's endpoint. */
export const httpUrl: Parser<string> = (raw, name) => {
  const value = text(raw, name);
  if (!/^https?:\/\/[^/\s]+/.test(value)) throw misconfigured(`${name} "${value.slice(0, 80)}" is not an http(s) URL`);
  return value;
};

/** A JSON value, given as JSON text or (App Services) already parsed. */
export const json: Parser<unknown> = (raw, name) => {
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw misconfigured(`${name} is not valid JSON`);
  }
};
