import { type Failure } from "../../errors";
import { firehoseErrors } from "../errors";

/*
 * What a Firehose delivery request is to every host, and its headers read alike everywhere. The steps
 * that read one, in order, are in read-delivery.ts.
 */

/** Header values as hosts hand them over: plain strings (Node, Lambda) or arrays (App Services). */
export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** One Firehose delivery as every host can describe it, transport removed. */
export interface FirehoseDeliveryRequest {
  readonly method: string;
  readonly headers: HeaderBag;
  /** Raw body bytes, still compressed if Content-Encoding says so. */
  readonly body: Uint8Array | undefined;
}

/** Header lookup by case-insensitive name; array values (App Services) yield their first element. */
export function headerLookup(headers: HeaderBag | undefined): (name: string) => string | undefined {
  const byLowerName = new Map<string, string>();
  if (headers && typeof headers === "object") {
    for (const name of Object.keys(headers)) {
      const raw = headers[name];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (typeof value === "string" && !byLowerName.has(name.toLowerCase())) byLowerName.set(name.toLowerCase(), value);
    }
  }
  return (name) => byLowerName.get(name.toLowerCase());
}

/** `what`: how the size is known ("received", "declared", "decompressed (at least)"). */
export function tooLarge(size: number, maxBytes: number, what: string): Failure {
  return firehoseErrors.failure(
    "body_too_large",
    `request body is ${size} bytes ${what}, above this host's limit of ${maxBytes}; lower the delivery stream's buffering size`,
  );
}
