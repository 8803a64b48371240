import { BridgeError } from "../errors";
import { hasLoneSurrogate } from "./text-formats";
import { ejsonErrors } from "./errors";

/** Which rule a record breaks; each is one of the reader's error codes (errors.ts), kind "refused". */
export type RecordProblemCode = "extended_json_invalid" | "field_name_invalid" | "string_invalid" | "nesting_too_deep";

/**
 * A record that cannot be read as a document BSON can hold, thrown inside the walks: what was
 * found wrong and in which object. Not an Error (no stack is captured on this path); the caller
 * turns it into a BridgeError naming the object's path (describeProblem), found only then.
 */
export class RecordProblem {
  constructor(
    /** The object or array the rule is broken in: a wrapper, or the container of a bad name or string. */
    readonly at: object,
    readonly code: RecordProblemCode,
    /** What is wrong, in our words, never the record's values. */
    readonly rule: string,
  ) {}
}

/** Records nested deeper than this are refused before any walk recurses into them (stack safety). */
export const WALK_DEPTH_LIMIT = 1000;

/** The problem as a BridgeError whose message names where it is (field names, not values). */
export function describeProblem(problem: RecordProblem, root: unknown): BridgeError {
  const path = pathTo(root, problem.at);
  switch (problem.code) {
    case "extended_json_invalid":
      return ejsonErrors.error(problem.code, `data is not valid Extended JSON at ${path}: ${problem.rule}`);
    case "field_name_invalid":
      return ejsonErrors.error(problem.code, `a field name in ${path} ${problem.rule}`);
    case "string_invalid":
      return ejsonErrors.error(problem.code, `a string in ${path} ${problem.rule}`);
    case "nesting_too_deep":
      return ejsonErrors.error(problem.code, problem.rule);
  }
}

const MAX_PATH = 300;
const MAX_SEGMENT = 64;

/**
 * The dotted path (array positions as numbers, as MongoDB writes paths) from the record to `target`,
 * "(top level)" for the record itself. Walks plain objects and arrays only: the walks replace a
 * wrapper by its value but never a container, so a problem's object is still where it was.
 */
function pathTo(root: unknown, target: object): string {
  const segments = findSegments(root, target, 0);
  if (segments === undefined || segments.length === 0) return "(top level)";
  const path = segments
    .map((segment) => {
      const shown = segment.length > MAX_SEGMENT ? `${segment.slice(0, MAX_SEGMENT)}…` : segment;
      return shown === "" ? '""' : shown;
    })
    .join(".");
  return path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path;
}

function findSegments(value: unknown, target: object, depth: number): string[] | undefined {
  if (value === target) return [];
  if (value === null || typeof value !== "object" || depth > WALK_DEPTH_LIMIT) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findSegments(value[i], target, depth + 1);
      if (found) return [String(i)].concat(found);
    }
    return undefined;
  }
  if (typeof (value as { _bsontype?: unknown })._bsontype === "string") return undefined;
  for (const key of Object.keys(value)) {
    const found = findSegments((value as Record<string, unknown>)[key], target, depth + 1);
    if (found) return [key].concat(found);
  }
  return undefined;
}

/**
 * Names and strings BSON cannot hold as they are, in a record as JSON.parse read it (before any
 * wrapper is read, so every string is still a string): a field name with a NUL (BSON writes names
 * NUL-terminated), and a UTF-16 surrogate without its pair, in a name or a value (BSON strings are
 * UTF-8, which has no such character; Node's encoder would write U+FFFD instead, silently). Only
 * called when the text holds an escape: without a `\u` escape JSON text cannot hold a NUL or a lone
 * surrogate (the bytes were strict UTF-8). A field named `_bsontype` is refused here too, and by the
 * walk that reads the wrappers whatever the text (bsontypeField).
 */
export function checkNamesAndStrings(value: unknown, depth = 1): void {
  if (value === null || typeof value !== "object") return;
  if (depth > WALK_DEPTH_LIMIT) throw tooDeep(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (typeof item === "string") checkString(item, value);
      else checkNamesAndStrings(item, depth + 1);
    }
    return;
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (key.indexOf("\0") !== -1) throw new RecordProblem(object, "field_name_invalid", "holds a NUL character");
    if (key === BSONTYPE) throw bsontypeField(object);
    if (hasLoneSurrogate(key))
      throw new RecordProblem(
        object,
        "field_name_invalid",
        "holds an unpaired UTF-16 surrogate, which UTF-8 cannot hold",
      );
    const item = object[key];
    if (typeof item === "string") checkString(item, object);
    else checkNamesAndStrings(item, depth + 1);
  }
}

function checkString(text: string, container: object): void {
  if (hasLoneSurrogate(text))
    throw new RecordProblem(container, "string_invalid", "holds an unpaired UTF-16 surrogate, which UTF-8 cannot hold");
}

export function tooDeep(at: object): RecordProblem {
  return new RecordProblem(at, "nesting_too_deep", `the record nests deeper than ${WALK_DEPTH_LIMIT} levels`);
}

/** The name the JavaScript BSON encoders read as a type tag. */
export const BSONTYPE = "_bsontype";

/**
 * A field named `_bsontype`: the JavaScript BSON encoders read an object holding one as a BSON
 * value (the Node one throws, older ones write another type), so it cannot be stored as it is.
 */
export function bsontypeField(at: object): RecordProblem {
  return new RecordProblem(at, "field_name_invalid", "is _bsontype, which JavaScript BSON encoders read as a type");
}
