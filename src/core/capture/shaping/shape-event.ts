import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { misconfigured } from "../../settings";
import { PRODUCER_EXTRAS_FIELD } from "../../stream-format/record-field";
import { optionsFor, type CaptureOptions, type CaptureOptionsTable } from "./capture-options";
import type { ChangeEvent } from "../publish/kinesis-record";
import {
  editAt,
  editUpdateDescription,
  isFieldDocument,
  touchesPath,
  type FieldEdit,
  type FieldPath,
} from "./field-paths";
import { compileMatch, MatchFilterError, readMatchFilter, type MatchFilter } from "./match-filter";
import { maskValue, MASKED_VALUE, MIN_MASK_KEY_LENGTH } from "./mask-value";

/**
 * The one place the capture options are applied. Every record that leaves for the stream is made
 * from an event shaped here: live changes (publishChangeToKinesis), snapshot and reconcile reads
 * (publish-reads.ts's encodeChunk), and outbox entries re-shaped before the drain puts them.
 *
 *  - `match`: decided on the document as stored (before exclude and mask, so a filter may read a
 *    field that is not published). Inserts, replaces and updates of documents outside it are not
 *    published, and a snapshot's query takes the filter, so it never reads them (snapshotReadFilter). An update or replace that leaves it is published as a `delete` of that
 *    document key (`_akb: {outOfMatch: true}`), so an exact mirror drops the document; an update
 *    that neither matches nor touches a field the filter reads cannot have left it and is not
 *    published; with a pre-image, a change whose before and after both miss is not published either.
 *    Deletes are always published. Every document the stream carries (full document, pre-image)
 *    matches.
 *  - `exclude`: the paths are removed from the full document, the pre-image, the document key and
 *    the update description (updated fields, including dotted keys and values holding the path;
 *    removed fields; truncated arrays).
 *  - `mask`: the values at the paths are replaced by maskValue() with CAPTURE_MASK_KEY.
 */

export type ShapingConfig = { readonly captureOptions: CaptureOptionsTable; readonly maskKey?: string };

interface Shaping<M extends MatchFilter = EventMatch> {
  readonly match?: M;
  readonly edits: { path: FieldPath; edit: FieldEdit }[];
  readonly exclude: FieldPath[];
  readonly mask: FieldPath[];
  readonly maskOne: (value: unknown) => string;
}

/** A change event's match: a test on documents (a snapshot's is only read: its query applies it). */
type EventMatch = ReturnType<typeof compileMatch>;
type MatchReader<M extends MatchFilter> = (text: string, bson: BsonPort) => M;

/**
 * Compiled per match reader, options table and mask key: a table is reused while its text stays the
 * same (capture-options.ts), so a loaded function compiles a filter once, and a snapshot once for all its reads.
 */
const compiled = new Map<
  MatchReader<MatchFilter>,
  WeakMap<CaptureOptionsTable, Record<string, Shaping<MatchFilter> | string>>
>();

/** The namespace's shaping, undefined when it has no options, or the reason its options cannot be applied. */
function compiledShaping<M extends MatchFilter>(
  db: string,
  coll: string,
  config: ShapingConfig,
  bson: BsonPort,
  readMatch: MatchReader<M>,
): Shaping<M> | string | undefined {
  const table = config.captureOptions;
  if (table.unreadable !== undefined)
    throw misconfigured(`capture options cannot be read (${table.unreadable}); nothing is published unshaped`);
  const options = optionsFor(table, db, coll);
  if (options.exclude.length === 0 && options.mask.length === 0 && options.match === undefined) return undefined;
  let byTable = compiled.get(readMatch);
  if (!byTable) compiled.set(readMatch, (byTable = new WeakMap()));
  let cache = byTable.get(table);
  if (!cache) byTable.set(table, (cache = {}));
  const key = `${db}.${coll}\u0000${config.maskKey || ""}`;
  if (cache[key] === undefined) cache[key] = compile(`${db}.${coll}`, options, config.maskKey, bson, readMatch);
  return cache[key] as Shaping<M> | string;
}

/** The namespace's shaping, undefined when it has no options; throws (misconfigured) when its options cannot be applied. */
function shapingFor<M extends MatchFilter = EventMatch>(
  db: string,
  coll: string,
  config: ShapingConfig,
  bson: BsonPort,
  readMatch: MatchReader<M>,
): Shaping<M> | undefined {
  const shaping = compiledShaping(db, coll, config, bson, readMatch);
  if (typeof shaping === "string") throw misconfigured(shaping);
  return shaping;
}

function compile<M extends MatchFilter>(
  namespace: string,
  options: CaptureOptions,
  key: string | undefined,
  bson: BsonPort,
  readMatch: MatchReader<M>,
): Shaping<M> | string {
  let match: M | undefined;
  if (options.match !== undefined) {
    try {
      match = readMatch(options.match, bson);
    } catch (error) {
      if (!(error instanceof MatchFilterError)) throw error;
      return `the match filter of ${namespace} is invalid: ${error.message}`;
    }
  }
  if (options.mask.length > 0 && (typeof key !== "string" || key.length < MIN_MASK_KEY_LENGTH))
    return `CAPTURE_MASK_KEY is ${typeof key === "string" ? "shorter than 32 characters" : "not set"}, and ${namespace} masks ${options.mask.join(", ")}; its events wait in the outbox until the key is set`;
  const maskOne = (value: unknown) => maskValue(value, key as string, bson);
  const exclude = options.exclude.map((path) => path.split("."));
  const mask = options.mask.map((path) => path.split("."));
  const edits = exclude
    .map((path) => ({ path, edit: { kind: "exclude" } as FieldEdit }))
    .concat(mask.map((path) => ({ path, edit: { kind: "replace", with: maskOne } as FieldEdit })));
  return { match, edits, exclude, mask, maskOne };
}

/**
 * The event as it may leave, or null when it is not published (outside the match). Never changes
 * its input. Throws BridgeError (misconfigured) when the namespace's options cannot be applied now:
 * the caller keeps the event (outbox) or stops (snapshot) rather than publish it unshaped.
 */
export function shapeChangeEvent(event: ChangeEvent, config: ShapingConfig, bson: BsonPort): ChangeEvent | null {
  if (!event.ns) return event;
  const shaping = shapingFor(event.ns.db, event.ns.coll, config, bson, compileMatch);
  if (!shaping) return event;
  let out: ChangeEvent = { ...event };
  if (shaping.match) {
    const matched = decideMatch(event, shaping.match);
    if (matched === "skip") return null;
    if (matched === "left") out = outOfMatchDelete(event, shaping.match);
    else if (out.fullDocumentBeforeChange != null && !shaping.match.test(out.fullDocumentBeforeChange))
      delete out.fullDocumentBeforeChange;
  }
  return applyEdits(out, shaping.edits);
}

/**
 * The filter a snapshot's (or reconcile's) query takes for a namespace: its capture `match`, so the
 * database applies it and a document outside it is never read (MongoDB's query and the change
 * events' test mean the same: match-filter.ts). Undefined without one, and when the options cannot
 * be applied now: shapeSnapshotRead then refuses the first document read, as it always has (an
 * empty collection still completes).
 */
export function snapshotReadFilter(
  db: string,
  coll: string,
  config: ShapingConfig,
  bson: BsonPort,
): Document | undefined {
  if (config.captureOptions.unreadable !== undefined) return undefined;
  const shaping = compiledShaping(db, coll, config, bson, readMatchFilter);
  return typeof shaping === "object" && shaping.match ? shaping.match.filter : undefined;
}

/**
 * A snapshot (or reconcile) read of one document, shaped: its query took the namespace's match
 * (snapshotReadFilter), so the document is inside it. A read carries its document and key only (no
 * pre-image, no update description), so the edits apply to the document and key: what
 * shapeChangeEvent does with a `read` event of a matching document (the shape-event tests keep the
 * two equal), without the update paths and the evaluator a snapshot never runs (runSnapshot does
 * not carry them).
 */
export function shapeSnapshotRead(
  document: Document,
  db: string,
  coll: string,
  wallTime: Date,
  config: ShapingConfig,
  bson: BsonPort,
): ChangeEvent {
  const event: ChangeEvent = {
    operationType: "read",
    wallTime,
    ns: { db, coll },
    documentKey: { _id: document._id },
    fullDocument: document,
  };
  const shaping = shapingFor(db, coll, config, bson, readMatchFilter);
  if (!shaping) return event;
  for (const { path, edit } of shaping.edits) {
    event.fullDocument = editAt(event.fullDocument, path, edit) as Document;
    event.documentKey = editAt(event.documentKey, path, edit) as ChangeEvent["documentKey"];
  }
  return event;
}

type Decision = "publish" | "left" | "skip";

function decideMatch(event: ChangeEvent, match: EventMatch): Decision {
  const operation = event.operationType;
  if (operation !== "insert" && operation !== "update" && operation !== "replace" && operation !== "read")
    return "publish"; // deletes always; other events carry no document
  const document = event.fullDocument;
  if (document == null) return operation === "update" ? "skip" : "publish"; // a looked-up null: deleted since, and its delete follows
  if (match.test(document)) return "publish";
  if (operation === "insert" || operation === "read") return "skip";
  const before = event.fullDocumentBeforeChange;
  if (before != null) return match.test(before) ? "left" : "skip";
  // Without a pre-image: an update that touches no field the filter reads cannot have changed whether it matches.
  const description = event.updateDescription;
  if (operation === "update" && isFieldDocument(description) && !match.paths.some((p) => touchesPath(description, p)))
    return "skip";
  return "left";
}

/** A change that moved a document out of the match, as the stream says it: a delete of its key. */
function outOfMatchDelete(event: ChangeEvent, match: EventMatch): ChangeEvent {
  const out: ChangeEvent = { ...event, operationType: "delete" };
  delete out.fullDocument;
  delete out.updateDescription;
  if (out.fullDocumentBeforeChange != null && !match.test(out.fullDocumentBeforeChange))
    delete out.fullDocumentBeforeChange;
  out[PRODUCER_EXTRAS_FIELD] = { outOfMatch: true };
  return out;
}

function applyEdits(event: ChangeEvent, edits: Shaping["edits"]): ChangeEvent {
  const out = event;
  const full = event.fullDocument;
  for (const { path, edit } of edits) {
    if (out.fullDocument != null) out.fullDocument = editAt(out.fullDocument, path, edit) as Document;
    if (out.fullDocumentBeforeChange != null)
      out.fullDocumentBeforeChange = editAt(out.fullDocumentBeforeChange, path, edit) as Document;
    if (out.documentKey) out.documentKey = editAt(out.documentKey, path, edit) as ChangeEvent["documentKey"];
    if (isFieldDocument(out.updateDescription))
      out.updateDescription = editUpdateDescription(out.updateDescription, path, edit, full);
  }
  return out;
}

/**
 * A record written to the outbox before the namespace's current exclude and mask options (or before
 * options existed), shaped with them: excluded paths removed, masked paths masked unless already in
 * the masked form (so a record shaped when captured stays as it was). `record` is the parsed record:
 * a change event, or in `document` format the document. Returns null when the namespace has no
 * exclude or mask options. The match is not applied again: it decided when the change was captured.
 * Throws (misconfigured) when the options cannot be applied now.
 */
export function reshapeRecord(
  record: Document,
  db: string,
  coll: string,
  config: ShapingConfig,
  bson: BsonPort,
): Document | null {
  const shaping = shapingFor(db, coll, config, bson, compileMatch);
  if (!shaping || shaping.edits.length === 0) return null;
  const maskUnlessMasked = (value: unknown) =>
    typeof value === "string" && MASKED_VALUE.test(value) ? value : shaping.maskOne(value);
  const edits = shaping.exclude
    .map((path) => ({ path, edit: { kind: "exclude" } as FieldEdit }))
    .concat(shaping.mask.map((path) => ({ path, edit: { kind: "replace", with: maskUnlessMasked } as FieldEdit })));
  if (isChangeEventRecord(record))
    return applyEdits({ ...(record as unknown as ChangeEvent) }, edits) as unknown as Document;
  let document: unknown = record;
  for (const { path, edit } of edits) document = editAt(document, path, edit);
  return document as Document;
}

/** Whether the namespace's exclude or mask options apply to its records; throws (misconfigured) when they cannot be known or applied now. */
export function hasFieldEdits(db: string, coll: string, config: ShapingConfig, bson: BsonPort): boolean {
  const shaping = shapingFor(db, coll, config, bson, compileMatch);
  return shaping !== undefined && shaping.edits.length > 0;
}

/** A record in the envelope format (a change event), as opposed to a `document`-format record. */
export function isChangeEventRecord(record: Document): boolean {
  return typeof record.operationType === "string" && isFieldDocument(record.ns) && isFieldDocument(record.documentKey);
}
