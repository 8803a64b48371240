import type { BsonPort } from "../../bson-port";
import { refusal, type Refusal } from "../dead-letters/dead-letter-reasons";
import { POSITION_FIELD } from "../apply/position-field";

const NOT_AN_ID = "cannot be an array, a regular expression or undefined";

/**
 * Why a value cannot be a document's _id, as words to follow the field's name, or undefined when it
 * can be one. A document holding a $-prefixed field is refused too: a write would read it as an
 * operator (a filter matching other documents, or an error on every retry of the batch).
 */
export function idProblem(id: unknown, bson: BsonPort): string | undefined {
  if (id === null || (typeof id !== "object" && id !== undefined)) return undefined;
  if (id === undefined || Array.isArray(id) || id instanceof RegExp) return NOT_AN_ID;
  if (id instanceof Date) return undefined;
  const type = bson.bsonType(id);
  if (type === "BSONRegExp") return NOT_AN_ID;
  if (type !== undefined) return undefined;
  for (const key in id) {
    if (key.charCodeAt(0) === 36 /* $ */) return `cannot be a document with a $-prefixed field ("${key.slice(0, 64)}")`;
  }
  return undefined;
}

/**
 * The refusal of a record that brings the webhook's own position field (docs/record-format.md):
 * `what` ("the document", "fullDocument", "updateDescription") says where it was.
 */
export function positionFieldRefusal(what: string): Refusal {
  return refusal(
    "position_field_reserved",
    `${what} brings ${POSITION_FIELD}, the field the webhook keeps each document's change position in`,
  );
}
