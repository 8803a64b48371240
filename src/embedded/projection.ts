import type { Document } from "../core/ports";
import { EmbeddedUnsupportedError, EmbeddedWriteError } from "./errors";
import { isDocument, isNumeric } from "./values";

/*
 * Find projections (https://www.mongodb.com/docs/manual/reference/method/db.collection.find/#projection):
 * inclusion ({a: 1, "b.c": 1}) or exclusion ({a: 0}), `_id` included unless excluded, dotted paths
 * into embedded documents and through arrays of them. Projection operators ($, $elemMatch, $slice,
 * $meta) and aggregation expressions are refused.
 */

interface Node {
  [field: string]: Node | true;
}

export interface Projection {
  readonly inclusion: boolean;
  readonly tree: Node;
  readonly withId: boolean;
}

/** Reads a projection; undefined for an empty one. */
export function parseProjection(spec: unknown): Projection | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isDocument(spec)) throw new EmbeddedWriteError(2, "projection must be an object");
  const fields = Object.keys(spec).filter((field) => spec[field] !== undefined);
  if (fields.length === 0) return undefined;
  let inclusion: boolean | undefined;
  let withId = true;
  const tree: Node = {};
  for (const field of fields) {
    const value = spec[field];
    if (typeof value !== "boolean" && !isNumeric(value))
      throw new EmbeddedUnsupportedError(
        `the projection ${JSON.stringify({ [field]: value })} (only 1/true and 0/false)`,
      );
    if (field.indexOf("$") !== -1) throw new EmbeddedUnsupportedError(`the positional projection "${field}"`);
    const include = typeof value === "boolean" ? value : Number(String(value)) !== 0;
    if (field === "_id") {
      withId = include;
      if (include) continue;
      if (fields.length > 1) continue;
    }
    if (inclusion === undefined) inclusion = include;
    else if (inclusion !== include) {
      const kind = inclusion ? "exclusion" : "inclusion";
      throw new EmbeddedWriteError(
        inclusion ? 31254 : 31253,
        `Cannot do ${kind} on field ${field} in ${inclusion ? "inclusion" : "exclusion"} projection`,
      );
    }
    addPath(tree, field);
  }
  return { inclusion: inclusion !== false, tree, withId };
}

function addPath(tree: Node, field: string): void {
  const parts = field.split(".");
  let node = tree;
  for (let i = 0; i < parts.length; i++) {
    const existing = node[parts[i]];
    if (existing === true) throw new EmbeddedWriteError(31249, `Path collision at ${field}`);
    if (i === parts.length - 1) {
      if (existing !== undefined) throw new EmbeddedWriteError(31249, `Path collision at ${field}`);
      node[parts[i]] = true;
    } else {
      if (existing === undefined) node[parts[i]] = {};
      node = node[parts[i]] as Node;
    }
  }
}

export function project(document: Document, projection: Projection): Document {
  const out: Document = {};
  if (projection.withId && "_id" in document) out._id = document._id;
  const rest = projection.inclusion ? include(document, projection.tree) : exclude(document, projection.tree);
  for (const key of Object.keys(rest)) if (key !== "_id" || !projection.withId) out[key] = rest[key];
  if (!projection.withId) delete out._id;
  return out;
}

function include(document: Document, tree: Node): Document {
  const out: Document = {};
  for (const key of Object.keys(document)) {
    const node = tree[key];
    if (node === undefined) continue;
    const value = document[key];
    if (node === true) out[key] = value;
    else if (isDocument(value)) out[key] = include(value, node);
    else if (Array.isArray(value)) out[key] = includeInArray(value, node);
  }
  return out;
}

function includeInArray(items: unknown[], node: Node): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    if (isDocument(item)) out.push(include(item, node));
    else if (Array.isArray(item)) out.push(includeInArray(item, node));
  }
  return out;
}

function exclude(document: Document, tree: Node): Document {
  const out: Document = {};
  for (const key of Object.keys(document)) {
    const node = tree[key];
    const value = document[key];
    if (node === true) continue;
    if (node === undefined) out[key] = value;
    else if (isDocument(value)) out[key] = exclude(value, node);
    else if (Array.isArray(value)) out[key] = value.map((item) => (isDocument(item) ? exclude(item, node) : item));
    else out[key] = value;
  }
  return out;
}
