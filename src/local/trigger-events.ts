import { EJSON, type Timestamp } from "bson";
import type { MongoClient } from "mongodb";
import type { Document } from "../core/ports";
import { compileProjectStage } from "../embedded/aggregate";
import { EmbeddedUnsupportedError, EmbeddedWriteError } from "../embedded/errors";
import { compileFilter, type Matcher } from "../embedded/query";
import { EmbeddedStore } from "../embedded/store";
import { isNumeric } from "../embedded/values";
import type { DatabaseTriggerConfig } from "./app-export";

/*
 * Atlas applies a DATABASE trigger's `match` as a $match stage and its `project` as a $project stage
 * on the trigger's change stream (https://www.mongodb.com/docs/atlas/atlas-ui/triggers/database-triggers/,
 * "Use Match Expressions to Limit Trigger Invocations"; the stages a change stream takes:
 * https://www.mongodb.com/docs/manual/changeStreams/#modify-change-stream-output). The local runtime
 * applies both itself, with or without MONGODB_URI, through the embedded store's query matcher and
 * $project: one meaning of a filter in the project, and whatever they do not evaluate is refused when
 * the trigger is loaded, never matched differently.
 */

/** A trigger's `match` or `project` the local runtime cannot apply; the message names the file, the setting and why. */
export class TriggerExpressionError extends Error {
  constructor(
    readonly file: string,
    readonly setting: "match" | "project",
    reason: string,
  ) {
    super(`${file}: config.${setting}: ${reason}`);
    this.name = "TriggerExpressionError";
  }
}

/** Exports write numbers in match/project as Extended JSON (`{"$numberInt": "0"}`): read them as the BSON values they stand for. */
function revive(expression: Record<string, unknown> | undefined): Document | undefined {
  if (!expression || Object.keys(expression).length === 0) return undefined;
  return EJSON.parse(JSON.stringify(expression), { relaxed: false }) as Document;
}

/** Compiles a trigger's expression, turning a refusal into one naming the trigger's file. */
function compile<T>(file: string, setting: "match" | "project", build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof EmbeddedUnsupportedError)
      throw new TriggerExpressionError(
        file,
        setting,
        `the local runtime does not apply ${error.feature}: it applies every trigger's ${setting} itself, with the ` +
          `embedded store's ${setting === "match" ? "query matcher" : "$project"}, MONGODB_URI or not ` +
          "(docs/embedded-store.md#local-triggers-match-and-project)",
      );
    // What MongoDB itself rejects (an unknown operator, a malformed value) has the server's code and message.
    if (error instanceof EmbeddedWriteError)
      throw new TriggerExpressionError(file, setting, `not a valid $${setting} stage: ${error.message}`);
    throw error;
  }
}

/**
 * A change stream refuses a pipeline that removes or changes an event's `_id`, its resume token
 * (SERVER-37786; https://www.mongodb.com/docs/manual/changeStreams/#modify-change-stream-output), so
 * Atlas could not run such a trigger.
 */
function checkKeepsResumeToken(file: string, project: Document): void {
  for (const field of Object.keys(project)) {
    if (field !== "_id" && !field.startsWith("_id.")) continue;
    const value = project[field];
    // Kept: included (1, true), or set to itself.
    const kept =
      field === "_id" && (value === true || value === "$_id" || (isNumeric(value) && Number(String(value)) !== 0));
    if (!kept)
      throw new TriggerExpressionError(
        file,
        "project",
        `"${field}" would remove or change the event's _id, its resume token, which a change stream refuses`,
      );
  }
}

/**
 * What a DATABASE trigger hands its function for a change, as App Services does: only its
 * collection's events of its operation types, without the full document on updates unless
 * configured, without the pre-image unless configured, filtered by `match` and shaped by `project`.
 * The filter returns undefined for an event the trigger does not fire on. Throws a
 * TriggerExpressionError naming `file` for a `match` or `project` the local runtime cannot apply.
 */
export function triggerEventFilter(
  config: DatabaseTriggerConfig,
  file: string,
): (raw: Document) => Document | undefined {
  const operations = new Set(config.operation_types.map((t) => t.toLowerCase()));
  const matchSpec = revive(config.match);
  const match: Matcher | undefined = matchSpec && compile(file, "match", () => compileFilter(matchSpec));
  const projectSpec = revive(config.project);
  if (projectSpec) checkKeepsResumeToken(file, projectSpec);
  const project = projectSpec && compile(file, "project", () => compileProjectStage(projectSpec));
  return (raw) => {
    const event = { ...raw };
    const ns = event.ns as { db: string; coll: string } | undefined;
    // A trigger without a collection watches its whole database.
    if (!ns || ns.db !== config.database || (config.collection !== undefined && ns.coll !== config.collection))
      return undefined;
    if (!operations.has(String(event.operationType))) return undefined;
    if (event.operationType === "update" && !config.full_document) delete event.fullDocument;
    if (!config.full_document_before_change) delete event.fullDocumentBeforeChange;
    // The matcher reads the event's exact BSON values (Int32, Double, ...) and compares numbers by value, as $match does.
    if (match && !match(event)) return undefined;
    return project ? project(event, { clusterTime: () => event.clusterTime as Timestamp }) : event;
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
