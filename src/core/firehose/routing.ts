import { BridgeError } from "../errors";
import type { ValueReader } from "../ports";

export interface Namespace {
  readonly db: string;
  readonly coll: string;
}

/** Where each kind of record goes. */
export interface Routing {
  /** Plain documents, and envelopes whose namespace the map does not name. */
  readonly defaultTarget: Namespace;
  /** Source "db.coll" of an envelope -> target namespace. */
  readonly namespaceMap: ReadonlyMap<string, Namespace>;
  /** Envelopes from this namespace are heartbeats: recorded as liveness, not stored as data. */
  readonly heartbeatSource: string;
  /** Where the latest heartbeat per app is recorded. */
  readonly livenessTarget: Namespace;
}

/**
 * Reads FIREHOSE_NAMESPACE_MAP ({"src.db.coll": "target.coll" | "coll"}) and checks that no target
 * is a captured collection: writing there would fire the change trigger again, a loop that never ends.
 */
export function readRouting(read: ValueReader, defaultTarget: Namespace): Routing {
  const heartbeatDb = stringValue(read("HEARTBEAT_DATABASE")) || "streamkap";
  const heartbeatColl = stringValue(read("HEARTBEAT_COLLECTION")) || "streamkap_heartbeat";
  const livenessColl = stringValue(read("FIREHOSE_HEARTBEAT_COLLECTION")) || "firehose_heartbeats";
  const namespaceMap = new Map<string, Namespace>();
  const raw = read("FIREHOSE_NAMESPACE_MAP");
  const parsed = typeof raw === "string" && raw.trim() !== "" ? parseJson(raw) : raw;
  if (parsed !== undefined && parsed !== null && parsed !== "") {
    if (typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new BridgeError("misconfigured", 'FIREHOSE_NAMESPACE_MAP must be a JSON object like {"app.orders": "replica.orders"}');
    }
    for (const [source, target] of Object.entries(parsed as Record<string, unknown>)) {
      if (!isNamespace(source) || typeof target !== "string" || target === "") {
        throw new BridgeError("misconfigured", `FIREHOSE_NAMESPACE_MAP entry "${source.slice(0, 80)}" must map "db.collection" to "db.collection" or "collection"`);
      }
      namespaceMap.set(source, isNamespace(target) ? splitNamespace(target) : { db: defaultTarget.db, coll: target });
    }
  }
  const captured = capturedNamespaces(read("CAPTURED_NAMESPACES"));
  const targets: [string, Namespace][] = [["the default target (FIREHOSE_DATABASE.FIREHOSE_COLLECTION)", defaultTarget], ...[...namespaceMap].map(([s, t]): [string, Namespace] => [`FIREHOSE_NAMESPACE_MAP["${s}"]`, t])];
  for (const [what, target] of targets) {
    const name = `${target.db}.${target.coll}`;
    if (captured.has(name)) {
      throw new BridgeError("misconfigured", `${what} writes into ${name}, a captured collection: every write would be captured again, an endless loop`);
    }
  }
  return { defaultTarget, namespaceMap, heartbeatSource: `${heartbeatDb}.${heartbeatColl}`, livenessTarget: { db: defaultTarget.db, coll: livenessColl } };
}

/** CAPTURED_NAMESPACES as generated from the capture list: a JSON array (or comma list) of "db.coll". */
export function capturedNamespaces(raw: unknown): Set<string> {
  let list: unknown = raw;
  if (typeof raw === "string") list = raw.trim().startsWith("[") ? parseJson(raw) : raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (list === undefined || list === null) return new Set();
  if (!Array.isArray(list) || !list.every((item) => typeof item === "string")) {
    throw new BridgeError("misconfigured", 'CAPTURED_NAMESPACES must be a list of "db.collection" names');
  }
  return new Set(list as string[]);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BridgeError("misconfigured", "FIREHOSE_NAMESPACE_MAP / CAPTURED_NAMESPACES is not valid JSON");
  }
}

function stringValue(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function isNamespace(text: string): boolean {
  const dot = text.indexOf(".");
  return dot > 0 && dot < text.length - 1;
}

function splitNamespace(text: string): Namespace {
  const dot = text.indexOf(".");
  return { db: text.slice(0, dot), coll: text.slice(dot + 1) };
}
