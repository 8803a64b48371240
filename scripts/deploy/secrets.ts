import { readFileSync } from "node:fs";
import { DeployError } from "./errors";

/**
 * Where secret values come from, first match wins: values handed in by another step of the deploy
 * (say, the AWS stack's trigger credentials and webhook access key), `--secrets-file <path>` (a JSON
 * object `{"secretName": "value"}`), and environment variables named exactly as the secret. Values
 * are never printed: the plan names a secret and where its value came from.
 */
export interface SecretSupply {
  /** Where the values came from, for the plan ("the environment", "--secrets-file x.json", "stack s"). */
  readonly from: string;
  readonly values: Readonly<Record<string, string>>;
  /** Whether a secret that exists already is set to this value (else it is left as it is). */
  readonly replace: boolean;
}

export class SecretValues {
  constructor(private readonly supplies: readonly SecretSupply[]) {}

  /** The supply that gives this secret, if any. */
  supplyOf(name: string): SecretSupply | undefined {
    return this.supplies.find((s) => Object.prototype.hasOwnProperty.call(s.values, name) && s.values[name] !== "");
  }

  value(name: string): string | undefined {
    const supply = this.supplyOf(name);
    return supply ? supply.values[name] : undefined;
  }

  /** Every value (to keep them out of messages). */
  all(): string[] {
    return this.supplies.flatMap((s) => Object.values(s.values));
  }
}

/** The environment variables named as the secrets the values name. */
export function environmentSupply(env: NodeJS.ProcessEnv, names: Iterable<string>, replace: boolean): SecretSupply {
  const values: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== "") values[name] = value;
  }
  return { from: "the environment", values, replace };
}

/** `--secrets-file <path>`: a JSON object of secret name to text; anything else is refused, naming the key (never a value). */
export function fileSupply(path: string, replace: boolean): SecretSupply {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : "not a JSON file";
    throw new DeployError("secrets_missing", `--secrets-file ${path}: ${why}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
    throw new DeployError("secrets_missing", `--secrets-file ${path}: must be a JSON object {"secretName": "value"}`);
  for (const [name, value] of Object.entries(parsed))
    if (typeof value !== "string")
      throw new DeployError("secrets_missing", `--secrets-file ${path}: the value of "${name}" must be a string`);
  return { from: `--secrets-file ${path}`, values: parsed as Record<string, string>, replace };
}
