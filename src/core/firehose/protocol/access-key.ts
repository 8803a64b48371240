import { createHash } from "crypto";

/**
 * Compares a presented secret with the accepted ones in time that depends on neither.
 * Both sides are hashed first so their lengths leak nothing, and every accepted key is compared
 * even after a match. Hand-written because `crypto.timingSafeEqual` is unconfirmed in App Services.
 */
export function constantTimeMatch(presented: string, accepted: readonly string[]): boolean {
  const presentedDigest = createHash("sha256").update(presented, "utf8").digest();
  let matched = 0;
  for (const secret of accepted) {
    const digest = createHash("sha256").update(secret, "utf8").digest();
    let difference = 0;
    for (let i = 0; i < digest.length; i++) difference |= digest[i] ^ presentedDigest[i];
    matched |= difference === 0 ? 1 : 0;
  }
  return matched === 1;
}
