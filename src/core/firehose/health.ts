import { describeError, isBridgeError, type Failure } from "../errors";
import type { Logger } from "../ports";
import type { FirehoseConfig } from "./config";
import { firehoseErrors } from "./errors";

/** How long a health check waits for the store (load balancers give a check a few seconds in all). */
export const STORE_PING_TIMEOUT_MS = 2_000;

/** The store the deliveries go to, as a health check sees it. */
export interface StoreProbe {
  /** Which store is in use, credentials removed (the Node server shows it). */
  readonly description: string;
  /** Resolves once the store has answered a ping; rejects when it cannot (within `timeoutMs`). */
  ping(timeoutMs: number): Promise<void>;
}

/** What a host knows about its own readiness. */
export interface HealthInput {
  /** The receiver's settings, read as a delivery reads them: throws when one is invalid. */
  readonly config: () => Pick<FirehoseConfig, "accessKeys">;
  readonly draining?: boolean;
  /** The host refuses deliveries for its in-flight byte budget now (the Node server). */
  readonly atBudget?: boolean;
  /** The store; getting it may connect (the Lambda connects on first use) and fail. */
  readonly store: () => StoreProbe | Promise<StoreProbe>;
}

export interface ReceiverHealth {
  /** "ok" only when a delivery would be accepted now. */
  readonly status: "ok" | "not_ready" | "draining";
  /** Why not, each with its stable code; empty when ok. */
  readonly reasons: readonly { readonly code: string; readonly message: string }[];
}

/**
 * Whether a delivery would succeed now, and if not, why: the host is stopping or refuses deliveries
 * for its in-flight byte budget, a setting is invalid or the access key is missing (deliveries would
 * get 500), or the store does not answer a ping within `timeoutMs` (they would get 503). Our own configuration errors are named; a driver's error
 * goes to the log only (it may name hosts or credentials).
 */
export async function checkHealth(
  input: HealthInput,
  logger: Logger,
  timeoutMs: number = STORE_PING_TIMEOUT_MS,
): Promise<ReceiverHealth> {
  const reasons: Failure[] = [];
  if (input.draining) reasons.push(firehoseErrors.failure("draining"));
  if (input.atBudget) reasons.push(firehoseErrors.failure("inflight_budget"));
  try {
    if (input.config().accessKeys.length === 0) reasons.push(firehoseErrors.failure("access_key_not_configured"));
  } catch (error) {
    reasons.push(ownOr(error, "setup_failed", logger));
  }
  // A stopping host takes nothing new, whatever its store says.
  if (!input.draining) {
    try {
      await within(timeoutMs, async () => (await input.store()).ping(timeoutMs));
    } catch (error) {
      reasons.push(ownOr(error, "store_unreachable", logger));
    }
  }
  return {
    status: input.draining ? "draining" : reasons.length > 0 ? "not_ready" : "ok",
    reasons: reasons.map(({ code, message }) => ({ code, message })),
  };
}

/** A health answer over HTTP: 200 when ok, else 503 (not ready), with the reasons and the host's details. */
export function healthResponse(
  health: ReceiverHealth,
  details: Record<string, unknown> = {},
): { status: number; headers: { "Content-Type": "application/json" }; body: string } {
  return {
    status: health.status === "ok" ? 200 : 503,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ status: health.status, reasons: health.reasons, ...details }),
  };
}

/** Our own error as it is; anything else as `code` (its default message), with the detail in the log. */
function ownOr(error: unknown, code: "setup_failed" | "store_unreachable", logger: Logger): Failure {
  if (isBridgeError(error)) return error;
  logger.warn({ msg: "health check", code, error: describeError(error) });
  return firehoseErrors.failure(code);
}

function within<T>(timeoutMs: number, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(firehoseErrors.error("store_unreachable", `the database did not answer a ping within ${timeoutMs} ms`)),
      timeoutMs,
    );
    work().then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
