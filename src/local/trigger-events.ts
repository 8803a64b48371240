import { BSON, EJSON } from "bson";
import { Aggregator, Query } from "mingo";
import type { MongoClient } from "mongodb";
import type { Document } from "../core/ports";
import { EmbeddedStore } from "../embedded/store";
import type { DatabaseTriggerConfig } from "./app-export";

/**
 * What a DATABASE trigger hands its function for a change, as App Services does: only its
 * collection's events of its operation types, without the full document on updates unless
 * configured, without the pre-image unless configured, filtered by `match` and shaped by `project`.
 * Returns undefined for an event the trigger does not fire on.
 */
export function triggerEventFilter(config: DatabaseTriggerConfig): (raw: Document) => Document | undefined {
  const operations = new Set(config.operation_types.map((t) => t.toLowerCase()));
  // Exports write numbers in match/project as Extended JSON; revive them before use.
  const match =
    config.match && Object.keys(config.match).length > 0
      ? new Query(EJSON.parse(JSON.stringify(config.match)) as Document)
      : undefined;
  const project =
    config.project && Object.keys(config.project).length > 0
      ? (EJSON.parse(JSON.stringify(config.project)) as Document)
      : undefined;
  return (raw) => {
    const event = { ...raw };
    const ns = event.ns as { db: string; coll: string } | undefined;
    // A trigger without a collection watches its whole database.
    if (!ns || ns.db !== config.database || (config.collection !== undefined && ns.coll !== config.collection))
      return undefined;
    if (!operations.has(String(event.operationType))) return undefined;
    if (event.operationType === "update" && !config.full_document) delete event.fullDocument;
    if (!config.full_document_before_change) delete event.fullDocumentBeforeChange;
    // Events carry exact BSON wrappers (Int32, Double); the match sees promoted values, as the
    // server's $match compares numbers by value.
    if (match && !match.test(BSON.deserialize(BSON.serialize(event)))) return undefined;
    return project ? (new Aggregator([{ $project: project }]).run([event])[0] as Document) : event;
  };
}

/**
 * Subscribes to the changes of a trigger's collection: the embedded store's change feed, or a real
 * change stream through the driver (with the trigger's full-document and pre-image settings).
 * Resumes after `resumeAfter` when given. Returns the function that stops it.
 */
export function watchChanges(
  source: EmbeddedStore | MongoClient,
  config: DatabaseTriggerConfig,
  resumeAfter: { _data: string } | undefined,
  dispatch: (event: Document) => void,
  onError: (error: unknown) => void,
): () => Promise<void> | void {
  if (source instanceof EmbeddedStore)
    return source.watch((event) => dispatch(event as unknown as Document), { resumeAfter });
  const database = source.db(config.database);
  const stream = (config.collection === undefined ? database : database.collection(config.collection)).watch([], {
    ...(resumeAfter ? { resumeAfter } : {}),
    promoteValues: false, // keep Int32/Double/Long types, as the trigger must publish them
    fullDocument: config.full_document ? "updateLookup" : "default",
    fullDocumentBeforeChange: config.full_document_before_change ? "whenAvailable" : "off",
  });
  stream.on("change", (event) => dispatch(event as unknown as Document));
  stream.on("error", onError);
  return () => stream.close();
}
