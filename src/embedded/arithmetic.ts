import { Decimal128, Double, Int32, Long } from "bson";
import { exactOfDouble } from "../core/bson-order";
import { bsonTypeCode, BSON_TYPE, numberValue } from "./values";

/*
 * `$inc`, `$mul` and `$bit` arithmetic with MongoDB's type rules (the `$mul` manual page's table;
 * the same for `$inc`): Int32 with Int32 stays Int32 unless the result overflows, then it is an Int64;
 * Int32 or Int64 with Int64 is an Int64, and an Int64 overflow is an error; a Double with any integer
 * is a Double; anything with a Decimal128 is a Decimal128 (a Double converted to 15 significant
 * digits first, as MongoDB converts it), computed in decimal and rounded half to even to 34 digits.
 */

type Num =
  | { type: "int" | "long"; big: bigint }
  | { type: "double"; value: number }
  | { type: "decimal"; decimal: DecimalValue };

/** A Decimal128 value: coefficient × 10^exponent, or NaN/±Infinity. */
interface DecimalValue {
  special?: "NaN" | "Infinity" | "-Infinity";
  negative: boolean;
  coefficient: bigint;
  exponent: number;
}

const INT_MIN = BigInt(-2147483648);
const INT_MAX = BigInt(2147483647);
const LONG_MIN = -(BigInt(1) << BigInt(63));
const LONG_MAX = (BigInt(1) << BigInt(63)) - BigInt(1);
const ZERO = BigInt(0);
const TEN = BigInt(10);
const MAX_DIGITS = 34;
const MAX_EXPONENT = 6111;
const MIN_EXPONENT = -6176;

/** A number of any BSON numeric type (or a plain number, typed as the driver sends it). */
export function toNum(value: unknown): Num | undefined {
  switch (bsonTypeCode(value)) {
    case BSON_TYPE.int:
      return { type: "int", big: BigInt(numberValue(value)) };
    case BSON_TYPE.long:
      return { type: "long", big: BigInt(String(value)) };
    case BSON_TYPE.double:
      return { type: "double", value: numberValue(value) };
    case BSON_TYPE.decimal:
      return { type: "decimal", decimal: parseDecimal(String(value)) };
    default:
      return undefined;
  }
}

/** The BSON value of a result. */
export function fromNum(num: Num): unknown {
  switch (num.type) {
    case "int":
      return new Int32(Number(num.big));
    case "long":
      return Long.fromString(num.big.toString());
    case "double":
      return new Double(num.value);
    default:
      return Decimal128.fromString(formatDecimal(num.decimal));
  }
}

/** a + b or a × b with MongoDB's types; undefined when an Int64 result overflows (MongoDB refuses it). */
export function arithmetic(operation: "add" | "multiply", a: Num, b: Num): Num | undefined {
  if (a.type === "decimal" || b.type === "decimal") {
    const x = toDecimal(a);
    const y = toDecimal(b);
    return { type: "decimal", decimal: operation === "add" ? addDecimals(x, y) : multiplyDecimals(x, y) };
  }
  if (a.type === "double" || b.type === "double") {
    const x = toDouble(a);
    const y = toDouble(b);
    return { type: "double", value: operation === "add" ? x + y : x * y };
  }
  const result = operation === "add" ? a.big + b.big : a.big * b.big;
  if (a.type === "int" && b.type === "int")
    return result >= INT_MIN && result <= INT_MAX ? { type: "int", big: result } : { type: "long", big: result };
  return result >= LONG_MIN && result <= LONG_MAX ? { type: "long", big: result } : undefined;
}

/** `$bit`'s and/or/xor on Int32/Int64 (an Int64 when either is one). */
export function bitwise(operation: "and" | "or" | "xor", a: Num, b: Num): Num {
  const x = (a as { big: bigint }).big;
  const y = (b as { big: bigint }).big;
  const result = operation === "and" ? x & y : operation === "or" ? x | y : x ^ y;
  if (a.type === "int" && b.type === "int") return { type: "int", big: BigInt.asIntN(32, result) };
  return { type: "long", big: BigInt.asIntN(64, result) };
}

/** The zero of a number's type (what `$mul` creates for a missing field: the operand's type times 0). */
export function zeroLike(num: Num): Num {
  return arithmetic("multiply", num, { type: "int", big: ZERO }) as Num;
}

/** Whether two results are the same type and value (an `$inc` by 0 of the same type changes nothing). */
export function identical(a: Num, b: Num): boolean {
  if (a.type !== b.type) return false;
  if (a.type === "double") return Object.is(a.value, (b as { value: number }).value);
  if (a.type === "decimal") return formatDecimal(a.decimal) === formatDecimal((b as { decimal: DecimalValue }).decimal);
  return a.big === (b as { big: bigint }).big;
}

function toDouble(num: Num): number {
  if (num.type === "double") return num.value;
  return Number((num as { big: bigint }).big);
}

function toDecimal(num: Num): DecimalValue {
  if (num.type === "decimal") return num.decimal;
  if (num.type === "double") return decimalOfDouble(num.value);
  const big = num.big;
  return { negative: big < ZERO, coefficient: big < ZERO ? -big : big, exponent: 0 };
}

/** A double as MongoDB converts it to Decimal128: exactly 15 significant digits, rounded half to even. */
function decimalOfDouble(d: number): DecimalValue {
  if (d !== d) return { special: "NaN", negative: false, coefficient: ZERO, exponent: 0 };
  if (d === Infinity || d === -Infinity)
    return { special: d > 0 ? "Infinity" : "-Infinity", negative: d < 0, coefficient: ZERO, exponent: 0 };
  if (d === 0) return { negative: Object.is(d, -0), coefficient: ZERO, exponent: 0 };
  const exact = exactOfDouble(d);
  // Rounded to 34 digits first (the exact conversion), then quantized to 15 significant digits.
  const at34 = roundDigits(exact.digits, MAX_DIGITS);
  const at15 = roundDigits(at34.digits.padEnd(MAX_DIGITS, "0"), 15);
  const digits = at15.digits.padEnd(15, "0");
  const point = exact.point + at34.carry + at15.carry;
  return { negative: exact.negative, coefficient: BigInt(digits), exponent: point - 15 };
}

/** The first `count` digits of a digit string, rounded half to even (carry: 1 when rounding added a digit). */
function roundDigits(digits: string, count: number): { digits: string; carry: number } {
  if (digits.length <= count) return { digits, carry: 0 };
  let kept = count === 0 ? ZERO : BigInt(digits.slice(0, count));
  const first = digits.charCodeAt(count) - 48;
  const rest = digits.slice(count + 1).replace(/0+$/, "");
  const odd = (kept & BigInt(1)) === BigInt(1);
  if (first > 5 || (first === 5 && (rest !== "" || odd))) kept += BigInt(1);
  const text = kept.toString();
  if (count === 0) return { digits: text, carry: 0 };
  if (text.length > count) return { digits: text.slice(0, count), carry: 1 };
  return { digits: text.padStart(count, "0"), carry: 0 };
}

function parseDecimal(text: string): DecimalValue {
  if (text === "NaN") return { special: "NaN", negative: false, coefficient: ZERO, exponent: 0 };
  if (text === "Infinity" || text === "-Infinity")
    return {
      special: text as "Infinity" | "-Infinity",
      negative: text.charAt(0) === "-",
      coefficient: ZERO,
      exponent: 0,
    };
  const negative = text.charAt(0) === "-";
  let body = negative ? text.slice(1) : text;
  let exponent = 0;
  const e = body.indexOf("E");
  if (e !== -1) {
    exponent = parseInt(body.slice(e + 1), 10);
    body = body.slice(0, e);
  }
  const dot = body.indexOf(".");
  if (dot !== -1) {
    exponent -= body.length - dot - 1;
    body = body.slice(0, dot) + body.slice(dot + 1);
  }
  return { negative, coefficient: BigInt(body), exponent };
}

function formatDecimal(value: DecimalValue): string {
  if (value.special) return value.special;
  return `${value.negative ? "-" : ""}${value.coefficient.toString()}E${value.exponent >= 0 ? "+" : ""}${value.exponent}`;
}

function specialResult(special: "NaN" | "Infinity" | "-Infinity"): DecimalValue {
  return { special, negative: special === "-Infinity", coefficient: ZERO, exponent: 0 };
}

function addDecimals(a: DecimalValue, b: DecimalValue): DecimalValue {
  if (a.special === "NaN" || b.special === "NaN") return specialResult("NaN");
  if (a.special || b.special) {
    if (a.special && b.special && a.special !== b.special) return specialResult("NaN");
    return specialResult((a.special || b.special) as "Infinity" | "-Infinity");
  }
  const exponent = Math.min(a.exponent, b.exponent);
  const x = signed(a) * TEN ** BigInt(a.exponent - exponent);
  const y = signed(b) * TEN ** BigInt(b.exponent - exponent);
  const sum = x + y;
  // An exact zero sum is +0, unless both operands were negative (round half to even).
  const negative = sum < ZERO || (sum === ZERO && a.negative && b.negative);
  return fit({ negative, coefficient: sum < ZERO ? -sum : sum, exponent });
}

function multiplyDecimals(a: DecimalValue, b: DecimalValue): DecimalValue {
  if (a.special === "NaN" || b.special === "NaN") return specialResult("NaN");
  const negative = a.negative !== b.negative;
  if (a.special || b.special) {
    const other = a.special ? b : a;
    if (!other.special && other.coefficient === ZERO) return specialResult("NaN");
    return specialResult(negative ? "-Infinity" : "Infinity");
  }
  return fit({ negative, coefficient: a.coefficient * b.coefficient, exponent: a.exponent + b.exponent });
}

function signed(value: DecimalValue): bigint {
  return value.negative ? -value.coefficient : value.coefficient;
}

/** Rounds a result to 34 digits (half to even) and into Decimal128's exponent range. */
function fit(value: DecimalValue): DecimalValue {
  let { coefficient, exponent } = value;
  let digits = coefficient.toString();
  const excess = Math.max(digits.length - MAX_DIGITS, MIN_EXPONENT - exponent);
  if (excess > 0) {
    const rounded = roundDigits(digits, Math.max(digits.length - excess, 0));
    coefficient = BigInt(rounded.digits);
    exponent += excess + rounded.carry;
    digits = coefficient.toString();
  }
  while (exponent > MAX_EXPONENT && digits.length < MAX_DIGITS && coefficient !== ZERO) {
    coefficient *= TEN;
    exponent--;
    digits = coefficient.toString();
  }
  if (exponent > MAX_EXPONENT) {
    if (coefficient === ZERO) return { negative: value.negative, coefficient, exponent: MAX_EXPONENT };
    return specialResult(value.negative ? "-Infinity" : "Infinity");
  }
  return { negative: value.negative, coefficient, exponent };
}
