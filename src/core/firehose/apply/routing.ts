import { BridgeError } from "../../errors";
import { collectionNameProblem, namespaceProblem } from "../../mongo-names";
import { json, type Parser } from "../../settings";

export interface Namespace {
  readonly db: string;
  readonly coll: string;
}

/** Where each kind of record goes. */
export interface Routing {
  /** Plain documents, and change events whose namespace neither the map nor a template names. */
  readonly defaultTarget: Namespace;
  /** Source "db.coll" of a change event -> target namespace. */
  readonly namespaceMap: ReadonlyMap<string, Namespace>;
  /**
   * FIREHOSE_UNMAPPED_TARGET: where change events of unmapped namespaces go, as a template with
   * {db} and {coll} (for example "{db}.{coll}" into a separate cluster, or "mirror_{db}.{coll}");
   * undefined means the default target.
   */
  readonly unmappedTemplate?: string;
  /** Namespaces the capture list watches on this cluster: never a target (the write would loop). */
  readonly captured: ReadonlySet<string>;
  /** Change events from this namespace are heartbeats: kept as each app's latest heartbeat, not stored as data. */
  readonly heartbeatSource: string;
  /** Where the latest heartbeat per app is recorded (the webhook's heartbeat collection). */
  readonly heartbeatTarget: Namespace;
}

/** What routing is made of, as read from the settings (see firehose/config.ts). */
export interface RoutingSettings {
  readonly namespaceMap?: Readonly<Record<string, string>>;
  readonly unmappedTemplate?: string;
  readonly captured: ReadonlySet<string>;
  readonly heartbeatDatabase: string;
  readonly heartbeatCollection: string;
  /** FIREHOSE_HEARTBEAT_COLLECTION, in the default target's database: where `heartbeatTarget` is. */
  readonly firehoseHeartbeatCollection: string;
}

/**
 * Builds the routing and checks that no target is a captured collection: writing there would fire
 * the change trigger again, a loop that never ends. A template is checked against every captured
 * namespace it could receive events from.
 */
export function buildRouting(settings: RoutingSettings, defaultTarget: Namespace): Routing {
  const namespaceMap = new Map<string, Namespace>();
  const map = settings.namespaceMap || {};
  for (const source of Object.keys(map)) {
    const target = map[source];
    namespaceMap.set(source, isNamespace(target) ? splitNamespace(target) : { db: defaultTarget.db, coll: target });
  }
  const { captured, unmappedTemplate } = settings;
  const targets: [string, Namespace][] = [
    ["the default target (FIREHOSE_DATABASE.FIREHOSE_COLLECTION)", defaultTarget],
    ...[...namespaceMap].map(([s, t]): [string, Namespace] => [`FIREHOSE_NAMESPACE_MAP["${s}"]`, t]),
  ];
  if (unmappedTemplate !== undefined) {
    captured.forEach((source) => {
      // A whole captured database ("db.*") is checked with a sample collection of it.
      if (source.endsWith(".*")) source = `${source.slice(0, -2)}.any_collection`;
      if (!namespaceMap.has(source))
        targets.push([
          `FIREHOSE_UNMAPPED_TARGET "${unmappedTemplate}" for ${source}`,
          applyTemplate(unmappedTemplate, splitNamespace(source)),
        ]);
    });
  }
  for (const [what, target] of targets) {
    const name = `${target.db}.${target.coll}`;
    if (isCaptured(captured, target)) {
      throw new BridgeError(
        "setting_invalid",
        `${what} writes into ${name}, a captured collection: every write would be captured again, an endless loop`,
      );
    }
  }
  return {
    defaultTarget,
    namespaceMap,
    unmappedTemplate,
    captured,
    heartbeatSource: `${settings.heartbeatDatabase}.${settings.heartbeatCollection}`,
    heartbeatTarget: { db: defaultTarget.db, coll: settings.firehoseHeartbeatCollection },
  };
}

/** FIREHOSE_NAMESPACE_MAP: {"src.db.coll": "target.coll" | "coll"}, as JSON text or an object. */
export const namespaceMapParser: Parser<Record<string, string>> = (raw, name) => {
  const parsed = json(raw, name);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new BridgeError("setting_invalid", `${name} must be a JSON object like {"app.orders": "replica.orders"}`);
  }
  const out: Record<string, string> = {};
  for (const [source, target] of Object.entries(parsed as Record<string, unknown>)) {
    if (!isNamespace(source) || typeof target !== "string" || target === "") {
      throw new BridgeError(
        "setting_invalid",
        `${name} entry "${source.slice(0, 80)}" must map "db.collection" to "db.collection" or "collection"`,
      );
    }
    // A target MongoDB would refuse is refused here, where the setting is read, not at the first write.
    const invalid = isNamespace(target) ? targetProblem(splitNamespace(target)) : collectionNameProblem(target);
    if (invalid !== undefined)
      throw new BridgeError("setting_invalid", `${name} entry "${source.slice(0, 80)}": the target ${invalid}`);
    out[source] = target;
  }
  return out;
};

/** FIREHOSE_UNMAPPED_TARGET: "default" (undefined) or a "database.collection" template with {db} and/or {coll}. */
export const templateParser: Parser<string | undefined> = (raw, name) => {
  if (raw === "default") return undefined;
  if (typeof raw !== "string" || !isNamespace(raw) || !/\{(db|coll)\}/.test(raw)) {
    throw new BridgeError(
      "setting_invalid",
      `${name} must be "default" or a "database.collection" template with {db} and/or {coll}, like "mirror_{db}.{coll}"`,
    );
  }
  const sample = targetProblem(applyTemplate(raw, { db: "db", coll: "coll" }));
  if (sample !== undefined)
    throw new BridgeError("setting_invalid", `${name} "${raw.slice(0, 80)}" does not make valid names: ${sample}`);
  return raw;
};

/**
 * The target of a change event from `source`, or the reason it has none. Targets are cached per
 * source so that one source always yields the same object (writes are grouped by identity).
 */
export function targetFor(
  routing: Routing,
  source: Namespace,
  cache: Map<string, Namespace | TargetProblem>,
): Namespace | TargetProblem {
  const key = `${source.db}.${source.coll}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  let target: Namespace | TargetProblem = routing.namespaceMap.get(key) || routing.defaultTarget;
  if (!routing.namespaceMap.has(key) && routing.unmappedTemplate !== undefined) {
    const candidate = applyTemplate(routing.unmappedTemplate, source);
    const invalid = targetProblem(candidate);
    if (invalid !== undefined) target = { problem: "target_invalid", reason: invalid };
    else if (isCaptured(routing.captured, candidate)) {
      target = {
        problem: "target_captured",
        reason: `${candidate.db}.${candidate.coll} is a captured collection; writing it would be captured again`,
      };
    } else target = candidate;
  }
  cache.set(key, target);
  return target;
}

/**
 * The target of a change event without `ns`: the default target when every namespace goes there
 * anyway (no FIREHOSE_NAMESPACE_MAP entry, no FIREHOSE_UNMAPPED_TARGET template), since the event
 * would land there whatever its namespace was; otherwise there is no telling where it belongs.
 */
export function targetWithoutNamespace(routing: Routing): Namespace | TargetProblem {
  if (routing.namespaceMap.size === 0 && routing.unmappedTemplate === undefined) return routing.defaultTarget;
  return {
    problem: "change_no_namespace",
    reason:
      "the change event has no ns, and FIREHOSE_NAMESPACE_MAP or FIREHOSE_UNMAPPED_TARGET make its target depend on it",
  };
}

export interface TargetProblem {
  readonly problem: "target_invalid" | "target_captured" | "change_no_namespace";
  readonly reason: string;
}

/** Whether a namespace is captured: listed itself, or its whole database ("db.*"). */
export function isCaptured(captured: ReadonlySet<string>, target: Namespace): boolean {
  return captured.has(`${target.db}.${target.coll}`) || captured.has(`${target.db}.*`);
}

function applyTemplate(template: string, source: Namespace): Namespace {
  // The database part is what stands before the first dot of the template, so a collection name
  // with dots ("app.orders.archive" -> coll "orders.archive") stays whole.
  const dot = template.indexOf(".");
  const fill = (part: string) => part.split("{db}").join(source.db).split("{coll}").join(source.coll);
  return { db: fill(template.slice(0, dot)), coll: fill(template.slice(dot + 1)) };
}

/** MongoDB's naming rules for a target (mongo-names.ts). */
function targetProblem(target: Namespace): string | undefined {
  return namespaceProblem(target.db, target.coll);
}

function isNamespace(text: string): boolean {
  const dot = text.indexOf(".");
  return dot > 0 && dot < text.length - 1;
}

function splitNamespace(text: string): Namespace {
  const dot = text.indexOf(".");
  return { db: text.slice(0, dot), coll: text.slice(dot + 1) };
}
