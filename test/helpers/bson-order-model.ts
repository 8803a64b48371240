import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  Timestamp,
} from "bson";
import fc from "fast-check";

/*
 * An order model of BSON values written from the manual's "Comparison/Sort Order" page
 * (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/), apart from the store's
 * implementation and on purpose done another way: numbers as exact fractions of BigInts, strings as
 * their UTF-8 bytes through Buffer, ObjectIds as bytes from their hex. The property tests check the
 * store's order (core/bson-order.ts, its `_id` index and its sorts) against it.
 */

const TYPE_ORDER = [
  "minKey",
  "null",
  "number",
  "string",
  "object",
  "array",
  "binData",
  "objectId",
  "bool",
  "date",
  "timestamp",
  "regex",
  "maxKey",
];

export function modelType(value: unknown): string {
  if (value === null || value === undefined) return "null";
  // A js-bson Timestamp is a Long underneath: ask first.
  if (value instanceof Timestamp) return "timestamp";
  if (
    typeof value === "number" ||
    value instanceof Int32 ||
    value instanceof Double ||
    value instanceof Long ||
    value instanceof Decimal128
  )
    return "number";
  if (typeof value === "string" || value instanceof BSONSymbol) return "string";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date";
  if (value instanceof Binary) return "binData";
  if (value instanceof ObjectId) return "objectId";
  if (value instanceof BSONRegExp) return "regex";
  if (value instanceof MinKey) return "minKey";
  if (value instanceof MaxKey) return "maxKey";
  return "object";
}

/** A number as an exact fraction n/d (d > 0), or NaN / ±Infinity. */
type Exact = { kind: "nan" } | { kind: "inf"; sign: 1 | -1 } | { kind: "finite"; n: bigint; d: bigint };

function exactOfNumber(value: unknown): Exact {
  if (value instanceof Long) return { kind: "finite", n: BigInt(value.toString()), d: BigInt(1) };
  if (value instanceof Decimal128) return exactOfDecimal(value.toString());
  const x = typeof value === "number" ? value : (value as Int32 | Double).valueOf();
  if (Number.isNaN(x)) return { kind: "nan" };
  if (!Number.isFinite(x)) return { kind: "inf", sign: x > 0 ? 1 : -1 };
  // A double is m × 2^e exactly: read its bits.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> BigInt(63) === BigInt(1);
  const exponent = Number((bits >> BigInt(52)) & BigInt(0x7ff));
  const fraction = bits & ((BigInt(1) << BigInt(52)) - BigInt(1));
  const mantissa = exponent === 0 ? fraction : fraction | (BigInt(1) << BigInt(52));
  const e = (exponent === 0 ? 1 : exponent) - 1075;
  const n = negative ? -mantissa : mantissa;
  return e >= 0
    ? { kind: "finite", n: n << BigInt(e), d: BigInt(1) }
    : { kind: "finite", n, d: BigInt(1) << BigInt(-e) };
}

function exactOfDecimal(text: string): Exact {
  if (text === "NaN") return { kind: "nan" };
  if (text === "Infinity") return { kind: "inf", sign: 1 };
  if (text === "-Infinity") return { kind: "inf", sign: -1 };
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:E([+-]\d+))?$/.exec(text);
  if (!match) throw new Error(`not a decimal: ${text}`);
  const digits = BigInt(match[2] + (match[3] ?? ""));
  const exponent = (match[4] ? Number(match[4]) : 0) - (match[3] ?? "").length;
  const n = match[1] === "-" ? -digits : digits;
  return exponent >= 0
    ? { kind: "finite", n: n * BigInt(10) ** BigInt(exponent), d: BigInt(1) }
    : { kind: "finite", n, d: BigInt(10) ** BigInt(-exponent) };
}

function rankOf(e: Exact): number {
  return e.kind === "nan" ? 0 : e.kind === "inf" ? (e.sign < 0 ? 1 : 3) : 2;
}

function compareExact(a: Exact, b: Exact): number {
  if (rankOf(a) !== rankOf(b)) return rankOf(a) - rankOf(b);
  if (a.kind !== "finite" || b.kind !== "finite") return 0;
  const left = a.n * b.d;
  const right = b.n * a.d;
  return left < right ? -1 : left > right ? 1 : 0;
}

function bytesOf(text: string): Buffer {
  return Buffer.from(text, "utf8");
}

function stringOf(value: unknown): string {
  return value instanceof BSONSymbol ? value.valueOf() : (value as string);
}

/** The model's order: negative, zero or positive. */
export function modelCompare(a: unknown, b: unknown): number {
  const ta = TYPE_ORDER.indexOf(modelType(a));
  const tb = TYPE_ORDER.indexOf(modelType(b));
  if (ta !== tb) return ta - tb;
  switch (modelType(a)) {
    case "number":
      return compareExact(exactOfNumber(a), exactOfNumber(b));
    case "string":
      return Buffer.compare(bytesOf(stringOf(a)), bytesOf(stringOf(b)));
    case "object":
      return compareEntries(Object.entries(a as object), Object.entries(b as object));
    case "array":
      return compareEntries(
        (a as unknown[]).map((v, i) => [String(i), v]),
        (b as unknown[]).map((v, i) => [String(i), v]),
      );
    case "binData": {
      const x = (a as Binary).value();
      const y = (b as Binary).value();
      if (x.length !== y.length) return x.length - y.length;
      if ((a as Binary).sub_type !== (b as Binary).sub_type) return (a as Binary).sub_type - (b as Binary).sub_type;
      return Buffer.compare(Buffer.from(x), Buffer.from(y));
    }
    case "objectId":
      return Buffer.compare(
        Buffer.from((a as ObjectId).toHexString(), "hex"),
        Buffer.from((b as ObjectId).toHexString(), "hex"),
      );
    case "bool":
      return Number(a) - Number(b);
    case "date":
      return Math.sign((a as Date).getTime() - (b as Date).getTime());
    case "timestamp": {
      const x = BigInt((a as Timestamp).t) * BigInt(2 ** 32) + BigInt((a as Timestamp).i);
      const y = BigInt((b as Timestamp).t) * BigInt(2 ** 32) + BigInt((b as Timestamp).i);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case "regex":
      return (
        Buffer.compare(bytesOf((a as BSONRegExp).pattern), bytesOf((b as BSONRegExp).pattern)) ||
        Buffer.compare(bytesOf((a as BSONRegExp).options), bytesOf((b as BSONRegExp).options))
      );
    default:
      return 0;
  }
}

/** Documents: per pair, the value's type, then the name (UTF-8 bytes), then the value; fewer pairs first. */
function compareEntries(a: [string, unknown][], b: [string, unknown][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const types = TYPE_ORDER.indexOf(modelType(a[i][1])) - TYPE_ORDER.indexOf(modelType(b[i][1]));
    if (types !== 0) return types;
    const names = Buffer.compare(bytesOf(a[i][0]), bytesOf(b[i][0]));
    if (names !== 0) return names;
    const values = modelCompare(a[i][1], b[i][1]);
    if (values !== 0) return values;
  }
  return a.length - b.length;
}

// ---- values to test with ----------------------------------------------------------------------

const TWO_53 = BigInt(2) ** BigInt(53);

const numbers: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((n) => new Int32(n)),
  fc.integer({ min: -2147483648, max: 2147483647 }).map((n) => new Int32(n)),
  fc.bigInt({ min: TWO_53 - BigInt(3), max: TWO_53 + BigInt(3) }).map((n) => Long.fromString(n.toString())),
  fc
    .bigInt({ min: -(BigInt(2) ** BigInt(63)), max: BigInt(2) ** BigInt(63) - BigInt(1) })
    .map((n) => Long.fromString(n.toString())),
  fc.integer({ min: -3, max: 3 }).map((n) => Long.fromNumber(n)),
  fc.double().map((d) => new Double(d)),
  fc.constantFrom(0.5, -0.5, 0.1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e21, -0).map((d) => new Double(d)),
  fc
    .constantFrom(
      "0.1",
      "0.5",
      "1",
      "1.000",
      "-0",
      "9007199254740993",
      "1E+21",
      "NaN",
      "Infinity",
      "-Infinity",
      "3.14159",
      "-2.5E-3",
    )
    .map((s) => Decimal128.fromString(s)),
  fc
    .tuple(fc.bigInt({ min: BigInt(-99999), max: BigInt(99999) }), fc.integer({ min: -8, max: 8 }))
    .map(([n, e]) => Decimal128.fromString(`${n}E${e >= 0 ? "+" : ""}${e}`)),
);

const scalars: fc.Arbitrary<unknown> = fc.oneof(
  numbers,
  // Well-formed strings: what BSON holds (a lone surrogate is no UTF-8).
  fc
    .string({ unit: "binary", maxLength: 4 })
    .filter((s) => !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ""))),
  fc
    .tuple(fc.constantFrom("", "a", "Z", "é", "\uFFFF", "\u{1F600}", "\uE000"), fc.boolean())
    .map(([s, symbol]) => (symbol ? new BSONSymbol(s) : s)),
  // Subtypes 0, 5 and 128 (js-bson's Extended JSON reads a subtype 4 of another length than 16 as an invalid UUID).
  fc
    .uint8Array({ maxLength: 3 })
    .chain((bytes) => fc.constantFrom(0, 5, 128).map((subtype) => new Binary(Buffer.from(bytes), subtype))),
  fc.stringMatching(/^[0-9a-f]{24}$/).map((hex) => new ObjectId(hex)),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }).map((ms) => new Date(ms)),
  fc
    .tuple(fc.constantFrom(0, 1, 2 ** 31, 2 ** 32 - 1), fc.integer({ min: 0, max: 3 }))
    .map(([t, i]) => new Timestamp({ t, i })),
  fc.constantFrom(new MinKey(), new MaxKey(), null),
  fc
    .tuple(fc.constantFrom("a", "b", ""), fc.constantFrom("", "i", "im"))
    .map(([pattern, options]) => new BSONRegExp(pattern, options)),
);

/** Any value: scalars, and documents and arrays of them (a document's keys in a fixed, non-numeric set). */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 2 },
    scalars,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom("a", "b", "é", "z"), tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** Values an `_id` can hold (no arrays or regular expressions, no array inside a document _id either). */
export const anyId: fc.Arbitrary<unknown> = fc.oneof(
  scalars.filter((value) => !(value instanceof BSONRegExp)),
  fc.dictionary(
    fc.constantFrom("a", "b"),
    scalars.filter((value) => !(value instanceof BSONRegExp)),
    { maxKeys: 2 },
  ),
);
