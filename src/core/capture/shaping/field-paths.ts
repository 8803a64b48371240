import type { Document } from "../../ports";

/**
 * Field paths as the capture options name them (`profile.email`), split into their parts. A path
 * applies to every element of an array it crosses, as MongoDB's dotted paths do; it names no array
 * positions (the capture-list parser refuses numeric parts).
 */
export type FieldPath = readonly string[];

/** What to do with the value at a path: leave it out, or replace it. */
export type FieldEdit =
  { readonly kind: "exclude" } | { readonly kind: "replace"; readonly with: (value: unknown) => unknown };

/** A document of fields (not an array, and not a BSON value such as ObjectId, Date or Binary). */
export function isFieldDocument(value: unknown): value is Document {
  if (value === null || typeof value !== "object" || Array.isArray(value) || isDate(value)) return false;
  return typeof (value as { _bsontype?: unknown })._bsontype !== "string" && !ArrayBuffer.isView(value);
}

export function isDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === "[object Date]";
}

/** A path part that may be an array position in an update description's key (`items.0.price`). */
function isPosition(part: string): boolean {
  return /^[0-9]+$/.test(part);
}

/**
 * Applies `edit` at `path` under `value` (from part `from` on) and returns the result; the input is
 * never changed (parts are copied on the way down). Arrays are crossed element by element.
 */
export function editAt(value: unknown, path: FieldPath, edit: FieldEdit, from = 0): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((item) => {
      const next = editAt(item, path, edit, from);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? out : value;
  }
  if (!isFieldDocument(value) || from >= path.length) return value;
  const name = path[from];
  if (!Object.prototype.hasOwnProperty.call(value, name)) return value;
  const copy: Document = { ...value };
  if (from === path.length - 1) {
    if (edit.kind === "exclude") delete copy[name];
    else copy[name] = edit.with(value[name]);
    return copy;
  }
  const inner = editAt(value[name], path, edit, from + 1);
  if (inner === value[name]) return value;
  copy[name] = inner;
  return copy;
}

/**
 * How an update description's key (`profile.email`, `items.0.price`) relates to a path: `inside`
 * when the key is the path or lies under it (`upTo` key parts cover the path), `holds` when the
 * path lies inside the key's value (`rest` is the part of the path left below the key), else
 * `apart`. Key parts that are array positions match any path part.
 */
export type KeyRelation =
  | { readonly is: "inside"; readonly upTo: number }
  | { readonly is: "holds"; readonly rest: FieldPath }
  | { readonly is: "apart" };

export function relateKey(key: readonly string[], path: FieldPath): KeyRelation {
  let k = 0;
  let p = 0;
  while (k < key.length && p < path.length) {
    if (key[k] === path[p]) {
      k++;
      p++;
    } else if (isPosition(key[k])) k++;
    else return { is: "apart" };
  }
  if (p === path.length) return { is: "inside", upTo: k };
  return { is: "holds", rest: path.slice(p) };
}

/** The value at exactly these parts (positions index arrays), or undefined. */
export function valueAtKey(document: unknown, parts: readonly string[]): unknown {
  let value = document;
  for (const part of parts) {
    if (Array.isArray(value) && isPosition(part)) value = value[Number(part)];
    else if (isFieldDocument(value) && Object.prototype.hasOwnProperty.call(value, part)) value = value[part];
    else return undefined;
  }
  return value;
}

/**
 * Applies `edit` at `path` to an update description: `updatedFields` (keys may be dotted paths, and a
 * value may be a subdocument holding the path), `removedFields`, `truncatedArrays` and
 * `disambiguatedPaths`. A replaced value inside a replaced unit (a key under a masked path) cannot be
 * computed from the delta alone: the unit's whole new value is taken from `fullDocument` when the
 * event has it, else the key is left out.
 */
export function editUpdateDescription(
  description: Document,
  path: FieldPath,
  edit: FieldEdit,
  fullDocument: Document | null | undefined,
): Document {
  // Most changes do not touch a given path: the description is then returned as it is.
  const related = (key: unknown) => typeof key === "string" && relateKey(key.split("."), path).is !== "apart";
  const inside = (key: unknown) => typeof key === "string" && relateKey(key.split("."), path).is === "inside";
  const updated = isFieldDocument(description.updatedFields) ? description.updatedFields : undefined;
  const removed = Array.isArray(description.removedFields) ? description.removedFields : undefined;
  const truncated = Array.isArray(description.truncatedArrays) ? description.truncatedArrays : undefined;
  const truncatedField = (entry: unknown) => (isFieldDocument(entry) ? entry.field : undefined);
  const touched =
    (updated !== undefined && Object.keys(updated).some(related)) ||
    (edit.kind === "exclude" && removed !== undefined && removed.some(inside)) ||
    (truncated !== undefined && truncated.some((entry) => inside(truncatedField(entry))));
  if (!touched) return description;

  const out: Document = { ...description };
  if (updated !== undefined) {
    const fields: Document = {};
    for (const key of Object.keys(updated)) {
      const parts = key.split(".");
      const relation = relateKey(parts, path);
      if (relation.is === "apart") fields[key] = updated[key];
      else if (relation.is === "holds") fields[key] = editAt(updated[key], relation.rest, edit);
      else if (edit.kind === "replace") {
        if (relation.upTo === parts.length) fields[key] = edit.with(updated[key]);
        else {
          const unit = parts.slice(0, relation.upTo);
          const whole = fullDocument ? valueAtKey(fullDocument, unit) : undefined;
          if (whole !== undefined) fields[unit.join(".")] = edit.with(whole);
        }
      }
    }
    out.updatedFields = fields;
  }
  // A removed excluded field was never published, so its removal is not either.
  if (edit.kind === "exclude" && removed !== undefined) out.removedFields = removed.filter((key) => !inside(key));
  // A truncated array inside a left-out or replaced value means nothing to a consumer.
  if (truncated !== undefined) out.truncatedArrays = truncated.filter((entry) => !inside(truncatedField(entry)));
  const disambiguated = description.disambiguatedPaths;
  if (isFieldDocument(disambiguated)) {
    const kept: Document = {};
    const present = (key: string) =>
      (isFieldDocument(out.updatedFields) && Object.prototype.hasOwnProperty.call(out.updatedFields, key)) ||
      (Array.isArray(out.removedFields) && out.removedFields.indexOf(key) !== -1);
    for (const key of Object.keys(disambiguated)) if (present(key)) kept[key] = disambiguated[key];
    out.disambiguatedPaths = kept;
  }
  return out;
}

/** Whether an update description touches a path: sets, removes or truncates it, a field inside it, or a field holding it. */
export function touchesPath(description: Document, path: FieldPath): boolean {
  const keys: string[] = [];
  if (isFieldDocument(description.updatedFields)) keys.push(...Object.keys(description.updatedFields));
  if (Array.isArray(description.removedFields))
    for (const key of description.removedFields) if (typeof key === "string") keys.push(key);
  if (Array.isArray(description.truncatedArrays))
    for (const entry of description.truncatedArrays)
      if (isFieldDocument(entry) && typeof entry.field === "string") keys.push(entry.field);
  return keys.some((key) => relateKey(key.split("."), path).is !== "apart");
}
