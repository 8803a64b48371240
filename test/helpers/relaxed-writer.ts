/**
 * Relaxed Extended JSON as the Go and Java drivers' writers write it (the Go driver's bsonrw
 * extJSONValueWriter, non-canonical; the Java driver's JsonWriter in JsonMode.RELAXED): an Int64 and
 * an Int32 as bare numbers with all their digits (strconv.FormatInt, Long.toString), a finite double
 * as a bare number, a date from 1970 to 9999 as an ISO string, other types in their wrappers. Go
 * writes compact JSON; Java writes `{"a" : 1, "b" : [1, 2] }` (a space after each comma, around each
 * colon, and before a closing brace). bson's own relaxed writer is not used: it writes an Int64
 * beyond 2^53 rounded to a double's digits.
 */
import { BSON, EJSON } from "bson";

export type WriterLayout = "go" | "java";

export function writeRelaxed(value: unknown, layout: WriterLayout): string {
  const type = value !== null && typeof value === "object" ? (value as { _bsontype?: string })._bsontype : undefined;
  if (type === "Long" || type === "Int32") return String(value);
  if (type === "Double") return numberText((value as BSON.Double).value);
  if (typeof value === "number") return numberText(value);
  if (value instanceof Date) {
    const year = value.getUTCFullYear();
    const date = year >= 1970 && year <= 9999 ? value.toISOString() : { $numberLong: String(value.getTime()) };
    return writeRelaxed({ $date: date }, layout);
  }
  if (type !== undefined) return layoutOf(EJSON.stringify(value, { relaxed: true }), layout);
  if (Array.isArray(value)) {
    const items = value.map((item) => writeRelaxed(item, layout));
    return `[${items.join(layout === "go" ? "," : ", ")}]`;
  }
  if (value !== null && typeof value === "object") {
    const fields = Object.entries(value).map(
      ([key, item]) => `${JSON.stringify(key)}${layout === "go" ? ":" : " : "}${writeRelaxed(item, layout)}`,
    );
    if (layout === "go") return `{${fields.join(",")}}`;
    return fields.length === 0 ? "{ }" : `{ ${fields.join(", ")} }`;
  }
  return JSON.stringify(value);
}

function numberText(value: number): string {
  if (!isFinite(value)) return `{"$numberDouble":"${value}"}`;
  return String(value);
}

/** A wrapper bson wrote compactly, in the writer's layout (its strings hold no structural characters). */
function layoutOf(compact: string, layout: WriterLayout): string {
  return layout === "go" ? compact : writeRelaxed(JSON.parse(compact), layout);
}
