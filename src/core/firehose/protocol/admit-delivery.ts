import { failed, ok, statusForKind, type Failure, type Result } from "../../errors";
import type { Clock, Logger } from "../../ports";
import { constantTimeMatch } from "./access-key";
import type { FirehoseConfig } from "../config";
import { NO_RECORDS, type DeliveryObserver } from "../delivery-report";
import { headerLookup, tooLarge, type HeaderBag } from "./request";
import { firehoseResponse, type FirehoseDeliveryResponse } from "./response";
import { firehoseErrors } from "../errors";

/** What every host knows of a delivery before reading its body. */
export interface DeliveryHead {
  readonly method: string;
  readonly headers: HeaderBag;
}

/** Bytes a host holds for a delivery until it releases them (see the Node server's in-flight budget). */
export interface Reservation {
  bytes: number;
}

/** A host's budget of body bytes held at once; undefined from `reserve` means "not now". */
export interface ByteBudget {
  reserve(bytes: number): Reservation | undefined;
}

/** What the host adds to the checks: its state (only the Node server has a budget and a drain). */
export interface AdmissionOptions {
  /**
   * Firehose always sends the request-id header. Hosts refuse a request without it before its body
   * is read (the core alone reads such a body, to answer with the body's request id).
   */
  readonly requireRequestId: boolean;
  readonly draining?: boolean;
  readonly budget?: ByteBudget;
}

export interface AdmittedDelivery {
  readonly requestId: string;
  /** Content-Length, when the request declares one. */
  readonly declaredBytes: number | undefined;
  /** What the budget holds for this delivery; the host releases it once the delivery is answered. */
  readonly reservation: Reservation | undefined;
}

/**
 * The checks a delivery passes before any of its body is read, in this order: the host is not
 * stopping, the receiver has a key, the method is POST, the access key matches (constant time), the
 * request id header is there, the declared length is within the body limit, and the host's byte
 * budget has room. Every host runs these on the headers, so a refused request never costs more than
 * its headers and gets the same answer everywhere; the core runs them again for hosts that hand it
 * whole requests.
 */
export function admitDelivery(
  head: DeliveryHead,
  config: Pick<FirehoseConfig, "accessKeys" | "maxBodyBytes">,
  options: AdmissionOptions,
): Result<AdmittedDelivery> {
  if (options.draining) return failed(firehoseErrors.failure("draining"));
  if (config.accessKeys.length === 0) return failed(firehoseErrors.failure("access_key_not_configured"));
  if ((head.method || "").toUpperCase() !== "POST") return failed(firehoseErrors.failure("method_not_post"));
  const header = headerLookup(head.headers);
  const presentedKey = header("x-amz-firehose-access-key");
  if (presentedKey === undefined || !constantTimeMatch(presentedKey, config.accessKeys))
    return failed(firehoseErrors.failure("access_key_invalid"));
  const requestId = header("x-amz-firehose-request-id") || "";
  if (options.requireRequestId && requestId === "") return failed(firehoseErrors.failure("request_id_missing"));
  const declaredBytes = declaredLength(header("content-length"));
  if (declaredBytes !== undefined && declaredBytes > config.maxBodyBytes)
    return failed(tooLarge(declaredBytes, config.maxBodyBytes, "declared"));
  let reservation: Reservation | undefined;
  if (options.budget) {
    reservation = options.budget.reserve(deliveryCost(declaredBytes, header("content-encoding"), config.maxBodyBytes));
    if (!reservation) return failed(firehoseErrors.failure("inflight_budget"));
  }
  return ok({ requestId, declaredBytes, reservation });
}

/**
 * What a delivery may hold once admitted: its declared body (nothing yet without one: it reserves
 * as it reads), and for gzip the most it may inflate to.
 */
export function deliveryCost(
  declaredBytes: number | undefined,
  contentEncoding: string | undefined,
  maxBodyBytes: number,
): number {
  return (declaredBytes || 0) + (/gzip/i.test(contentEncoding || "") ? maxBodyBytes : 0);
}

function declaredLength(value: string | undefined): number | undefined {
  return value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

export interface RefusalDeps {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly observer?: DeliveryObserver;
}

/**
 * The answer to a delivery a host refused itself, before the core saw its records: one log line
 * through the host's logger, the delivery counted (with no records), and the Firehose answer.
 */
export function refuseDelivery(
  head: DeliveryHead,
  refusal: Failure,
  deps: RefusalDeps,
  detail: Record<string, unknown> = { bodyRead: false },
): FirehoseDeliveryResponse {
  const requestId = headerLookup(head.headers)("x-amz-firehose-request-id") || "";
  const answer = firehoseResponse(statusForKind[refusal.kind], requestId, deps.clock.now(), refusal.message);
  const line = {
    msg: "firehose delivery",
    requestId,
    status: answer.status,
    outcome: refusal.kind,
    code: refusal.code,
  };
  if (refusal.kind === "misconfigured") deps.logger.error({ ...line, ...detail });
  else deps.logger.warn({ ...line, ...detail });
  if (deps.observer)
    deps.observer.delivered({ status: answer.status, durationMs: 0, bodyBytes: 0, records: NO_RECORDS });
  return answer;
}
