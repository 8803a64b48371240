import { BSON, type Timestamp } from "bson";
import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";
import { decode, serialize, viewOf, type Stored } from "./documents";
import { EmbeddedUnsupportedError, EmbeddedWriteError } from "./errors";
import { parseProjection, project } from "./projection";
import { compileFilter } from "./query";
import { parseSort, sortBy } from "./sort";
import { isDocument, isNumeric } from "./values";

/*
 * The aggregation stages the store runs, with the same rules as its finds: $match, $sort, $skip,
 * $limit, $sample, $count, and $project with inclusion, exclusion, field paths, $literal and the
 * variables $$ROOT and $$CLUSTER_TIME. Every other stage or expression is refused by name.
 * (https://www.mongodb.com/docs/manual/reference/operator/aggregation-pipeline/)
 */

export interface PipelineContext {
  readonly clusterTime: () => Timestamp;
}

const EXACT = { promoteValues: false, bsonRegExp: true } as const;

/** Runs a pipeline over stored documents; a leading $sample picks before anything is decoded. */
export function runPipeline(stored: Stored[], pipeline: Document[], context: PipelineContext): Document[] {
  if (!Array.isArray(pipeline))
    throw new EmbeddedWriteError(MongoErrorCode.BadValue, "a pipeline must be an array of stages");
  pipeline.forEach(checkStage);
  let input = stored;
  let stages = pipeline;
  const size = leadingSampleSize(pipeline);
  if (size !== undefined) {
    input = sampleOf(input.slice(), size);
    stages = pipeline.slice(1);
  }
  let documents = input.map((entry) => viewOf(entry));
  for (const stage of stages) documents = runStage(documents, stage, context);
  // What comes out is read as the driver reads it (numbers promoted).
  return documents.map((document) => decode(serialize(document)));
}

function checkStage(stage: Document): void {
  if (!isDocument(stage) || Object.keys(stage).length !== 1)
    throw new EmbeddedWriteError(
      MongoErrorCode.BadValue,
      "A pipeline stage specification object must contain exactly one field.",
    );
  const name = Object.keys(stage)[0];
  if (["$match", "$sort", "$skip", "$limit", "$sample", "$count", "$project"].indexOf(name) === -1)
    throw new EmbeddedUnsupportedError(`the aggregation stage ${name}`);
}

function runStage(documents: Document[], stage: Document, context: PipelineContext): Document[] {
  const name = Object.keys(stage)[0];
  const spec = stage[name];
  switch (name) {
    case "$match": {
      const matches = compileFilter(spec);
      return documents.filter((document) => matches(document));
    }
    case "$sort": {
      const keys = parseSort(spec);
      if (!keys) throw new EmbeddedWriteError(MongoErrorCode.BadValue, "$sort stage must have at least one sort key");
      return sortBy(documents, keys, (document) => document);
    }
    case "$skip":
      return documents.slice(wholeCount("$skip", spec));
    case "$limit": {
      const limit = wholeCount("$limit", spec);
      if (limit === 0) throw new EmbeddedWriteError(MongoErrorCode.BadValue, "the limit must be positive");
      return documents.slice(0, limit);
    }
    case "$sample":
      return sampleOf(documents.slice(), sampleSize(spec));
    case "$count": {
      if (typeof spec !== "string" || spec === "" || spec.charAt(0) === "$" || spec.indexOf(".") !== -1)
        throw new EmbeddedWriteError(
          MongoErrorCode.BadValue,
          "the count field must be a non-empty string, not starting with $ and without dots",
        );
      return documents.length === 0 ? [] : [{ [spec]: documents.length }];
    }
    default:
      return projectStage(documents, spec, context);
  }
}

function wholeCount(stage: string, value: unknown): number {
  const n = isNumeric(value) ? Number(String(value)) : NaN;
  if (!(n >= 0 && n === Math.trunc(n)))
    throw new EmbeddedWriteError(MongoErrorCode.BadValue, `invalid argument to ${stage} stage: ${String(value)}`);
  return n;
}

function sampleSize(spec: unknown): number {
  if (!isDocument(spec) || Object.keys(spec).join() !== "size")
    throw new EmbeddedWriteError(MongoErrorCode.BadValue, "$sample stage must specify a size and nothing else");
  return wholeCount("$sample", spec.size);
}

/** The size of a pipeline's first stage when it is a valid `$sample`. */
function leadingSampleSize(pipeline: Document[]): number | undefined {
  const first = pipeline[0];
  return first && Object.keys(first)[0] === "$sample" ? sampleSize(first.$sample) : undefined;
}

/** Up to `size` of the entries, picked at random without repeats (a partial Fisher-Yates shuffle). */
function sampleOf<T>(entries: T[], size: number): T[] {
  const count = Math.min(size, entries.length);
  for (let k = 0; k < count; k++) {
    const pick = k + Math.floor(Math.random() * (entries.length - k));
    const chosen = entries[pick];
    entries[pick] = entries[k];
    entries[k] = chosen;
  }
  return entries.slice(0, count);
}

/** $project: inclusion and exclusion as a find's projection, plus computed fields (paths, $literal, variables). */
function projectStage(documents: Document[], spec: unknown, context: PipelineContext): Document[] {
  const projectOne = compileProjectStage(spec);
  return documents.map((document) => projectOne(document, context));
}

/**
 * A `$project` stage's specification read once, refusing a malformed one (BadValue) or an expression
 * the store does not evaluate (EmbeddedUnsupportedError, naming it) before any document is seen; the
 * local runtime applies a trigger's `project` to change events with it.
 */
export function compileProjectStage(spec: unknown): (document: Document, context: PipelineContext) => Document {
  if (!isDocument(spec) || Object.keys(spec).length === 0)
    throw new EmbeddedWriteError(
      MongoErrorCode.BadValue,
      "$project specification must be an object with at least one field",
    );
  const plain: Document = {};
  const computed: [string, unknown][] = [];
  for (const field of Object.keys(spec)) {
    const value = spec[field];
    if (typeof value === "boolean" || isNumeric(value)) plain[field] = value;
    else {
      checkExpression(value, field);
      computed.push([field, value]);
    }
  }
  const projection =
    Object.keys(plain).length > 0 || computed.length > 0 ? parseProjection(withComputed(plain, computed)) : undefined;
  return (document, context) => {
    const out = projection ? project(document, projection) : { ...document };
    for (const [field, expression] of computed) out[field] = evaluate(expression, document, context);
    return out;
  };
}

/** A computed field makes the projection an inclusion one (the field itself is added afterwards). */
function withComputed(plain: Document, computed: [string, unknown][]): Document {
  if (computed.length === 0) return plain;
  const out: Document = { ...plain };
  const excludesOnlyId = Object.keys(plain).every((field) => field === "_id");
  if (excludesOnlyId) for (const [field] of computed) out[field] = 1;
  return out;
}

const VARIABLES = ["$$CLUSTER_TIME", "$$ROOT", "$$CURRENT"];

/** Refuses, by name, a computed field's expression the store does not evaluate. */
function checkExpression(expression: unknown, field: string): void {
  if (typeof expression === "string" && expression.startsWith("$$") && VARIABLES.indexOf(expression) === -1)
    throw new EmbeddedUnsupportedError(`the aggregation variable ${expression}`);
  if (isDocument(expression)) {
    const keys = Object.keys(expression);
    if (keys.length === 1 && keys[0] === "$literal") return;
    if (keys.length > 0 && keys[0].charAt(0) === "$")
      throw new EmbeddedUnsupportedError(`the aggregation expression ${keys[0]} (in $project's "${field}")`);
    throw new EmbeddedUnsupportedError(`a nested $project specification (in "${field}")`);
  }
  if (Array.isArray(expression)) throw new EmbeddedUnsupportedError(`an array expression in $project (in "${field}")`);
}

/** A computed field's value (its expression passed checkExpression). */
function evaluate(expression: unknown, root: Document, context: PipelineContext): unknown {
  if (typeof expression === "string" && expression.charAt(0) === "$") {
    if (expression === "$$CLUSTER_TIME") return context.clusterTime();
    if (expression === "$$ROOT" || expression === "$$CURRENT") return BSON.deserialize(serialize(root), EXACT);
    return pathValue(root, expression.slice(1).split("."));
  }
  if (isDocument(expression)) return expression.$literal;
  return expression;
}

/** A field path's value in an expression: through documents, and through arrays element by element. */
function pathValue(value: unknown, parts: string[]): unknown {
  if (parts.length === 0) return value;
  if (Array.isArray(value)) return value.map((item) => pathValue(item, parts)).filter((item) => item !== undefined);
  if (!isDocument(value)) return undefined;
  return pathValue(value[parts[0]], parts.slice(1));
}
