import type { BsonPort } from "../../bson-port";
import { idKey, matchesId } from "../../id-key";
import type { Document } from "../../ports";
import type { Namespace } from "../apply/routing";
import { refusal, type Refusal } from "../dead-letters/dead-letter-reasons";
import { idProblem, positionFieldRefusal } from "./document-id";
import { POSITION_FIELD } from "../apply/position-field";
import { refused, type ChangeToApply, type Recognition } from "./record-format";

/*
 * The parts of a change event, read the same way for every format that carries one (MongoDB's
 * change event, our legacy change record). Each part is checked as far as the mirror relies on it; the
 * first part that fails decides the refusal, so a broken event is dead-lettered with a code that
 * names what broke, never stored as data.
 */

/** Snapshot reads without a cluster time (from producers before the read position) rank as of their
 * wall time minus this margin, so a change made after the read is never ranked below it even with
 * some clock skew. */
const READ_POSITION_MARGIN_S = 60;

const DOCUMENT_OPERATIONS = ["insert", "replace", "update", "read", "delete"];
/** Change-stream events about a collection or database rather than a document. */
const NAMESPACE_OPERATIONS = [
  "drop",
  "rename",
  "dropDatabase",
  "invalidate",
  "create",
  "createIndexes",
  "dropIndexes",
  "modify",
  "shardCollection",
  "reshardCollection",
  "refineCollectionShardKey",
  "createSearchIndexes",
  "dropSearchIndexes",
  "updateSearchIndex",
];

/** What differs between the formats: where the resume token is, and the parts the producer left out. */
export interface ChangeSource {
  /** The token's `_data`, "" when the record has none, or why the token it has is malformed. */
  readonly token: string | Refusal;
  readonly degraded: readonly string[];
}

export function readChange(record: Document, source: ChangeSource, bson: BsonPort): Recognition {
  const operationType = record.operationType;
  if (typeof operationType !== "string" || operationType === "") {
    return refused(
      refusal("change_no_operation", `operationType is ${typeOfValue(operationType)}, not an operation name`),
    );
  }
  if (NAMESPACE_OPERATIONS.indexOf(operationType) !== -1) {
    return refused(
      refusal(
        "change_namespace_event",
        `"${operationType}" events are not applied to a mirror; apply them to the target yourself if intended`,
      ),
    );
  }
  if (DOCUMENT_OPERATIONS.indexOf(operationType) === -1) {
    return refused(
      refusal(
        "change_unknown_operation",
        `operationType "${operationType.slice(0, 40)}" is not one this receiver knows`,
      ),
    );
  }
  const ns = record.ns as { db?: unknown; coll?: unknown } | undefined;
  if (ns !== undefined && !isNamespace(ns)) return refused(refusal("change_invalid_namespace"));

  const documentKey = record.documentKey as Document | null | undefined;
  if (!isDocument(documentKey, bson) || !("_id" in documentKey)) return refused(refusal("change_no_document_key"));
  const id = documentKey._id;
  const idIssue = idProblem(id, bson);
  if (idIssue !== undefined) return refused(refusal("change_no_document_key", `documentKey._id ${idIssue}`));

  const token = source.token;
  const position = changePosition(record, typeof token === "string" ? token : "", bson);
  if (typeof position !== "string") return refused(position);
  if (typeof token !== "string") return refused(token);

  const key = idKey(id, bson);
  let fullDocument: Document | undefined;
  if (operationType !== "delete") {
    const full = record.fullDocument;
    if (full !== undefined && full !== null) {
      if (!isDocument(full, bson)) {
        return refused(
          refusal("change_invalid_document", `fullDocument is ${typeOfValue(full)}, not a document or null`),
        );
      }
      if (!("_id" in full) || !matchesId(full._id, id, key, bson))
        return refused(refusal("change_document_key_mismatch"));
      const stored = storedDocumentProblem(full);
      if (stored !== undefined) return refused(stored);
      fullDocument = full;
    }
  }
  let updateDescription: Document | undefined;
  const description = record.updateDescription;
  const needsDescription =
    operationType === "update" && !fullDocument && source.degraded.indexOf("updateDescription") === -1;
  if (needsDescription && description !== undefined && description !== null) {
    const problem = updateDescriptionProblem(description, bson);
    if (problem !== undefined) return refused(refusal("change_invalid_update", problem));
    const paths = updatePathProblem(description as UpdateDescription);
    if (paths !== undefined) return refused(paths);
    updateDescription = description as Document;
  }
  return {
    kind: "change",
    change: {
      // Checked by isNamespace: the record's own object serves (it is not changed after).
      ns: ns as Namespace | undefined,
      source: ns === undefined ? undefined : `${ns.db}.${ns.coll}`,
      operationType: operationType as ChangeToApply["operationType"],
      id,
      key,
      position,
      fullDocument,
      updateDescription,
      degraded: source.degraded,
      basicJson: numberValue(record.clusterTime, bson) !== undefined,
    },
  };
}

function isNamespace(ns: { db?: unknown; coll?: unknown } | null): boolean {
  return (
    ns !== null &&
    typeof ns === "object" &&
    typeof ns.db === "string" &&
    ns.db !== "" &&
    typeof ns.coll === "string" &&
    ns.coll !== ""
  );
}

/**
 * What keeps a change's full document from being stored as the mirror's document: the webhook's
 * position field (the document would pass for newer than every change), or a top-level field
 * starting with "$" (a replacement cannot hold one: MongoDB refuses it, DollarPrefixedFieldName).
 */
function storedDocumentProblem(full: Document): Refusal | undefined {
  if (full[POSITION_FIELD] !== undefined) return positionFieldRefusal("fullDocument");
  for (const name in full) {
    if (name.charCodeAt(0) === 36 /* $ */)
      return refusal("top_level_operator", `fullDocument's top-level field "${name.slice(0, 64)}" starts with "$"`);
  }
  return undefined;
}

interface UpdateDescription {
  readonly updatedFields: Document;
  readonly removedFields: string[];
}

/**
 * The update paths MongoDB would refuse, checked before the write so that the outcome is the same
 * on every store: the position field (refused as such), `_id` (ImmutableField), an empty field name
 * or a NUL (EmptyFieldName; a BSON name cannot hold a NUL), a first name starting with "$"
 * (DollarPrefixedFieldName), and two paths where one is the other or inside it
 * (ConflictingUpdateOperators).
 */
function updatePathProblem({ updatedFields, removedFields }: UpdateDescription): Refusal | undefined {
  const paths = Object.keys(updatedFields).concat(removedFields);
  const seen: Record<string, true> = Object.create(null) as Record<string, true>;
  for (const path of paths) {
    const first = path.split(".")[0];
    if (first === POSITION_FIELD) return positionFieldRefusal("updateDescription");
    const broken =
      first === "_id"
        ? "changes _id, which MongoDB never changes"
        : path.split(".").indexOf("") !== -1 || path.indexOf("\0") !== -1
          ? "has a path with an empty field name or a NUL"
          : first.charCodeAt(0) === 36
            ? 'has a path starting with "$"'
            : seen[path]
              ? "sets or removes one path twice"
              : undefined;
    if (broken !== undefined) return refusal("change_invalid_update", `updateDescription ${broken}`);
    seen[path] = true;
  }
  for (const path of paths) {
    for (let dot = path.indexOf("."); dot !== -1; dot = path.indexOf(".", dot + 1)) {
      if (seen[path.slice(0, dot)])
        return refusal("change_invalid_update", "updateDescription changes a path and a path inside it");
    }
  }
  return undefined;
}

/**
 * MongoDB always writes all three lists, and an update that changes nothing makes no event; a
 * description that is short of them, or empty, was broken on its way and would apply wrongly.
 */
function updateDescriptionProblem(description: unknown, bson: BsonPort): string | undefined {
  if (!isDocument(description, bson)) return `updateDescription is ${typeOfValue(description)}, not a document`;
  const { updatedFields, removedFields, truncatedArrays } = description;
  if (!isDocument(updatedFields, bson)) return `updateDescription.updatedFields is ${typeOfValue(updatedFields)}`;
  if (!Array.isArray(removedFields) || removedFields.some((field) => typeof field !== "string"))
    return `updateDescription.removedFields is ${typeOfValue(removedFields)}, not a list of field names`;
  if (truncatedArrays !== undefined && !Array.isArray(truncatedArrays))
    return `updateDescription.truncatedArrays is ${typeOfValue(truncatedArrays)}, not a list`;
  if (Object.keys(updatedFields).length === 0 && removedFields.length === 0 && !(truncatedArrays || []).length)
    return "updateDescription changes nothing";
  return undefined;
}

/**
 * A string that sorts like the changes of one document: cluster time seconds and increment (8 hex
 * digits each), then the resume token, which orders events that share a cluster time (a transaction).
 *
 * basicJson carries the cluster time as milliseconds (its increment is lost), so the seconds come
 * from it and the increment from the resume token, whose keystring starts with the same Timestamp
 * (type byte 0x82, then seconds and increment). Snapshot reads rank by wall time (see the margin).
 */
/**
 * A change's position: its cluster time (16 hex digits), then its resume token. A snapshot read
 * carries the snapshot's read position R0 as its clusterTime (capture/snapshot/snapshot.ts) and ranks at R0
 * with the suffix "read", which sorts after every resume token (hex digits) at the same cluster time:
 * the read contains every change committed at or before R0, and loses to every change after it.
 * Reads without a clusterTime (earlier producers) rank by wall time (see the margin).
 */
export function changePosition(record: Document, resumeToken: string, bson: BsonPort): string | Refusal {
  const token = record.operationType === "read" ? "read" : resumeToken;
  const time = record.clusterTime;
  if (time !== undefined && time !== null && bson.bsonType(time) === "Timestamp") {
    const { t, i } = timestampParts(time);
    return `${hex8(t)}${hex8(i)}:${token}`;
  }
  const millis = numberValue(time, bson);
  if (millis !== undefined && millis >= 0) {
    const t = Math.floor(millis / 1000);
    const fromToken = tokenTimestamp(token);
    const i = fromToken && fromToken.t === t ? fromToken.i : 0;
    return `${hex8(t)}${hex8(i)}:${token}`;
  }
  if (time !== undefined) {
    return refusal(
      "change_no_position",
      `clusterTime is ${typeOfValue(time)}, neither a Timestamp nor epoch milliseconds (basicJson)`,
    );
  }
  if (record.operationType === "read") {
    const wall = record.wallTime instanceof Date ? record.wallTime.getTime() : numberValue(record.wallTime, bson);
    if (wall === undefined || !isFinite(wall)) return refusal("change_no_position");
    const seconds = Math.floor(wall / 1000) - READ_POSITION_MARGIN_S;
    return `${hex8(Math.max(0, seconds))}${hex8(0)}:read`;
  }
  return refusal("change_no_position");
}

/** A number however the parser typed it (basicJson's epoch milliseconds read back as Long or Double). */
function numberValue(value: unknown, bson: BsonPort): number | undefined {
  if (typeof value === "number") return isFinite(value) ? value : undefined;
  const type = bson.bsonType(value);
  if (type === "Long") return (value as { toNumber(): number }).toNumber();
  if (type === "Int32" || type === "Double") return (value as { valueOf(): number }).valueOf();
  return undefined;
}

// Resume tokens are keystrings in hexadecimal (MongoDB writes upper case).
const RESUME_TOKEN = /^[0-9A-Fa-f]+$/;

/** A resume token `{_data: "<hex>", …}` as its `_data`, or the refusal for anything else. */
export function tokenData(token: unknown, field: string): string | Refusal {
  const data = token !== null && typeof token === "object" ? (token as { _data?: unknown })._data : undefined;
  if (typeof data === "string" && RESUME_TOKEN.test(data)) return data;
  return refusal("change_invalid_resume_token", `${field} is not a resume token {_data: "<hex>"}`);
}

function tokenTimestamp(token: string): { t: number; i: number } | undefined {
  if (token.length < 18 || token.slice(0, 2) !== "82") return undefined;
  const t = parseInt(token.slice(2, 10), 16);
  const i = parseInt(token.slice(10, 18), 16);
  return isFinite(t) && isFinite(i) ? { t, i } : undefined;
}

function timestampParts(value: unknown): { t: number; i: number } {
  const ts = value as { t?: number; i?: number; getHighBits?(): number; getLowBits?(): number };
  if (typeof ts.t === "number" && typeof ts.i === "number") return { t: ts.t, i: ts.i };
  // Older BSON libraries: high 32 bits are the seconds, low 32 bits the increment.
  return { t: (ts.getHighBits as () => number)() >>> 0, i: (ts.getLowBits as () => number)() >>> 0 };
}

function hex8(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}

/** The string entries of a producer's list of left-out parts. */
export function degradedList(list: unknown): readonly string[] {
  // Nearly every record has no list: one shared empty list rather than a new one per record.
  return Array.isArray(list) && list.length > 0
    ? list.filter((part): part is string => typeof part === "string")
    : NO_PARTS;
}

const NO_PARTS: readonly string[] = Object.freeze([]);

function isDocument(value: unknown, bson: BsonPort): value is Document {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    bson.bsonType(value) === undefined &&
    !(value instanceof Date)
  );
}

/** A value's JSON type, for a reason that says what was found (never the value: it is record content). */
function typeOfValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === "") return "an empty string";
  const type = typeof value === "object" ? bsonTypeName(value) : typeof value;
  return /^[aeiou]/i.test(type) ? `an ${type}` : `a ${type}`;
}

function bsonTypeName(value: object): string {
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === "string" ? tag : value instanceof Date ? "date" : "document";
}
