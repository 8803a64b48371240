import { BridgeError } from "../errors";
import { json, setting, type Parser } from "../settings";

/** CAPTURED_NAMESPACES as generated from the capture list: a JSON array (or comma list) of "db.coll". */
export const capturedParser: Parser<Set<string>> = (raw, name) => {
  const list =
    typeof raw === "string" && !raw.trim().startsWith("[")
      ? raw
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : json(raw, name);
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
    throw new BridgeError("setting_invalid", `${name} must be a list of "db.collection" names`);
  }
  return new Set(list as string[]);
};

/**
 * The namespaces whose changes are on the stream ("db.coll", "db.*"), generated from the capture
 * list. Capture re-reads them in a reconcile; the webhook never writes into one (the write would be
 * captured again, a loop). One setting, declared here so neither side imports the other.
 */
export const capturedNamespacesSetting = setting("CAPTURED_NAMESPACES", capturedParser, () => new Set<string>());
