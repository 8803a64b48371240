import { MongoErrorCode } from "../core/mongo-error-codes";
import type { Document } from "../core/ports";
import { EmbeddedUnsupportedError, EmbeddedWriteError } from "./errors";
import { isPosition } from "./paths";
import { isDocument } from "./values";

/*
 * Paths as update operators walk them (https://www.mongodb.com/docs/manual/core/document/#dot-notation):
 * through documents, and into arrays by position only. An operator that creates its field makes the
 * documents on the way (and pads an array with nulls up to a position); one that does not ($unset,
 * $pop, $pull, $pullAll, $rename's source) does nothing when the path is not there.
 */

/** Where a path ends: the document or array holding its last part, and that part. */
export interface Slot {
  readonly container: Document | unknown[];
  readonly key: string;
}

/** Checks an update path's parts: no empty part, no positional operator (not implemented), no other `$` part. */
export function checkUpdatePath(path: string): string[] {
  const parts = path.split(".");
  for (const part of parts) {
    if (part === "")
      throw new EmbeddedWriteError(
        MongoErrorCode.EmptyFieldName,
        `The update path '${path}' contains an empty field name, which is not allowed.`,
      );
    if (part === "$" || part.startsWith("$["))
      throw new EmbeddedUnsupportedError(`the positional update path '${path}' ($, $[] and $[<identifier>])`);
    if (part.charCodeAt(0) === 36)
      throw new EmbeddedWriteError(
        MongoErrorCode.DollarPrefixedFieldName,
        `The dollar ($) prefixed field '${part}' in '${path}' is not valid for storage.`,
      );
  }
  return parts;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  return typeof value === "object" ? "value" : JSON.stringify(value);
}

/** The slot of a path, creating documents on the way; throws PathNotViable where a value blocks it. */
export function slotToCreate(document: Document, parts: readonly string[]): Slot {
  let container: Document | unknown[] = document;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i];
    const next: unknown = childOf(container, part, parts, i);
    if (next === undefined) {
      const created: Document = {};
      setChild(container, part, created);
      container = created;
    } else if (isDocument(next) || Array.isArray(next)) container = next;
    else
      throw new EmbeddedWriteError(
        MongoErrorCode.PathNotViable,
        `Cannot create field '${parts[i + 1]}' in element {${part}: ${describe(next)}}`,
      );
  }
  const key = parts[parts.length - 1];
  if (Array.isArray(container) && !isPosition(key))
    throw new EmbeddedWriteError(
      MongoErrorCode.PathNotViable,
      `Cannot create field '${key}' in element {${parts[parts.length - 2] ?? ""}: array}`,
    );
  return { container, key };
}

function childOf(container: Document | unknown[], part: string, parts: readonly string[], at: number): unknown {
  if (Array.isArray(container)) {
    if (!isPosition(part))
      throw new EmbeddedWriteError(
        MongoErrorCode.PathNotViable,
        `Cannot create field '${part}' in element {${parts[at - 1] ?? ""}: array}`,
      );
    const index = Number(part);
    return index < container.length ? container[index] : undefined;
  }
  return Object.prototype.hasOwnProperty.call(container, part) ? container[part] : undefined;
}

function setChild(container: Document | unknown[], part: string, value: unknown): void {
  if (Array.isArray(container)) {
    const index = Number(part);
    while (container.length < index) container.push(null);
    container[index] = value;
  } else container[part] = value;
}

/** The slot of an existing path, or undefined when the path is not there (nothing is created). */
export function slotIfPresent(document: Document, parts: readonly string[]): Slot | undefined {
  let container: Document | unknown[] = document;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = readSlot({ container, key: parts[i] });
    if (!(isDocument(next) || Array.isArray(next))) return undefined;
    container = next;
  }
  const key = parts[parts.length - 1];
  if (Array.isArray(container) && !isPosition(key)) return undefined;
  return { container, key };
}

/** The value in a slot; undefined when there is none. */
export function readSlot(slot: Slot): unknown {
  const { container, key } = slot;
  if (Array.isArray(container)) {
    if (!isPosition(key)) return undefined;
    const index = Number(key);
    return index < container.length ? container[index] : undefined;
  }
  return Object.prototype.hasOwnProperty.call(container, key) ? container[key] : undefined;
}

export function writeSlot(slot: Slot, value: unknown): void {
  setChild(slot.container, slot.key, value);
}

/** Removes a field ($unset); an array element becomes null, as MongoDB leaves the array's length. */
export function clearSlot(slot: Slot): void {
  if (Array.isArray(slot.container)) {
    const index = Number(slot.key);
    if (index < slot.container.length) slot.container[index] = null;
  } else delete slot.container[slot.key];
}

/** Whether any part of the way to a path's end passes through an array. */
export function crossesArray(document: Document, parts: readonly string[]): boolean {
  let value: unknown = document;
  for (let i = 0; i < parts.length - 1; i++) {
    if (Array.isArray(value)) return true;
    if (!isDocument(value)) return false;
    value = value[parts[i]];
  }
  return Array.isArray(value);
}

/** Orders paths as MongoDB applies and creates them: part by part, by bytes. */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return Buffer.compare(Buffer.from(a[i]), Buffer.from(b[i]));
  }
  return a.length - b.length;
}

/** Whether one path is the other or lies inside it. */
export function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}
