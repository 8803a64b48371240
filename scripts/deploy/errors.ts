/**
 * Why a deploy stopped, each with its own exit code (npm run deploy -- --help lists them). Every one
 * is raised before anything is written, or after the draft was discarded: nothing is half-deployed.
 */
export const DEPLOY_EXIT_CODES = {
  /** The export has problems (npm run check), or the deployment itself failed (its draft discarded). */
  failed: 1,
  /** Atlas API key missing, refused (401), or without the role a call needs (403). */
  credentials: 3,
  /** No app of that name or client app id in the project. */
  app_not_found: 4,
  /** A deployment draft of this key's user exists already (409). */
  draft_exists: 5,
  /** A secret the values name does not exist and no value was given for it. */
  secrets_missing: 6,
  /** data_sources/ still names the placeholder cluster. */
  placeholder_cluster: 7,
} as const;

export type DeployErrorKind = keyof typeof DEPLOY_EXIT_CODES;

export class DeployError extends Error {
  constructor(
    readonly kind: DeployErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "DeployError";
  }

  get exitCode(): number {
    return DEPLOY_EXIT_CODES[this.kind];
  }
}

/** Replaces every secret value in a text (an API's error message could echo one) by "<secret>". */
export function redact(text: string, secretValues: readonly string[]): string {
  let out = text;
  for (const value of secretValues) if (value.length >= 4) out = out.split(value).join("<secret>");
  return out;
}
