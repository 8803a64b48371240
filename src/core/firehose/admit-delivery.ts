import { BridgeError } from "../errors";
import { constantTimeMatch } from "./access-key";
import type { FirehoseConfig } from "./config";
import { headerLookup, type HeaderBag } from "./request";

/**
 * The checks a delivery passes before any of its body is read: the receiver has a key, the method
 * is POST, the access key matches (constant time), and the request id header is there. Hosts that
 * stream bodies (the Node server) run this on the headers alone, so a refused request never costs
 * more than its headers; the core runs it again, so every host gets the same answers.
 * Returns the error that decides the answer, or undefined when the delivery may be read.
 */
export function admitDelivery(
  method: string,
  headers: HeaderBag,
  config: Pick<FirehoseConfig, "accessKeys">,
  options: { requireRequestId: boolean },
): BridgeError | undefined {
  if (config.accessKeys.length === 0) {
    return new BridgeError("misconfigured", "the receiver has no access key configured (FIREHOSE_ACCESS_KEY)");
  }
  if ((method || "").toUpperCase() !== "POST")
    return new BridgeError("method_not_allowed", "Firehose deliveries must be POST requests");
  const header = headerLookup(headers);
  const presentedKey = header("x-amz-firehose-access-key");
  if (presentedKey === undefined || !constantTimeMatch(presentedKey, config.accessKeys)) {
    return new BridgeError("unauthorized", "missing or invalid X-Amz-Firehose-Access-Key");
  }
  // The core reads a body without the header to answer with the body's request id; a streaming host
  // refuses it before reading (it is not Firehose: Firehose always sends the header).
  if (options.requireRequestId && !header("x-amz-firehose-request-id"))
    return new BridgeError("malformed_request", "missing X-Amz-Firehose-Request-Id header");
  return undefined;
}
