import type { Document } from "../core/ports";
import { isDocument } from "./values";

/** What a dotted path reaches where a document has no such field (MongoDB's "missing"). */
export const MISSING: unique symbol = Symbol("missing");
export type Reached = unknown;

function isPosition(part: string): boolean {
  if (part.length === 0 || part.length > 9) return false;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return part.length === 1 || part.charCodeAt(0) !== 48;
}

const own = Object.prototype.hasOwnProperty;

function fieldOf(document: unknown, name: string): unknown {
  if (!own.call(document, name)) return MISSING;
  const value = (document as Document)[name];
  return value === undefined ? MISSING : value;
}

/**
 * The values a dotted path reaches, as MongoDB's query paths reach them: through documents, and
 * through an array either by position (`a.0`) or into each of its documents (`a.b` on an array of
 * documents; arrays inside arrays are not entered). A leaf array is returned whole (the operators
 * decide whether to look at its elements); `MISSING` marks a path that reaches no field. An array of
 * scalars (or an empty one) in the middle of a path reaches nothing, not a missing field (MongoDB
 * 8.0: `{"a.b": null}` does not match `{a: [1]}`).
 */
export function reach(document: Document, parts: readonly string[]): Reached[] {
  const out: Reached[] = [];
  walk(document, parts, 0, out);
  return out;
}

function walk(value: unknown, parts: readonly string[], at: number, out: Reached[]): void {
  if (at === parts.length) {
    out.push(value);
    return;
  }
  if (Array.isArray(value)) {
    const part = parts[at];
    if (isPosition(part)) {
      const index = Number(part);
      if (index < value.length) walk(value[index], parts, at + 1, out);
    }
    for (const item of value) if (isDocument(item)) walk(fieldOf(item, part), parts, at + 1, out);
    return;
  }
  if (isDocument(value)) {
    walk(fieldOf(value, parts[at]), parts, at + 1, out);
    return;
  }
  out.push(MISSING);
}

/** The single value at a path through documents only (no arrays crossed); MISSING when absent. */
export function valueAt(document: Document, parts: readonly string[]): unknown {
  let value: unknown = document;
  for (const part of parts) {
    if (Array.isArray(value)) {
      if (!isPosition(part) || Number(part) >= value.length) return MISSING;
      value = value[Number(part)];
    } else if (isDocument(value)) {
      if (!own.call(value, part)) return MISSING;
      value = value[part];
    } else return MISSING;
  }
  return value === undefined ? MISSING : value;
}

export { isPosition };
