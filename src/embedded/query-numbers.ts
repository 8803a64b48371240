import { binaryParts, exactOfDecimalString } from "../core/bson-order";
import { MongoErrorCode } from "../core/mongo-error-codes";
import { nodeBson } from "../adapters/bson/node-bson";
import { EmbeddedWriteError } from "./errors";
import { bsonTypeCode, BSON_TYPE, isNumeric } from "./values";

/* `$mod` and the `$bits…` operators, on exact 64-bit integers (BigInt: the store runs in Node only). */

const LONG_MIN = -(BigInt(1) << BigInt(63));
const LONG_MAX = (BigInt(1) << BigInt(63)) - BigInt(1);

function badValue(message: string): EmbeddedWriteError {
  return new EmbeddedWriteError(MongoErrorCode.BadValue, message);
}

/** A number's integer part (truncated toward zero) as an Int64, or undefined when it has none (NaN, ±∞, too large). */
export function truncatedLong(value: unknown): bigint | undefined {
  const code = bsonTypeCode(value);
  if (code === BSON_TYPE.long) return BigInt.asIntN(64, BigInt(String(value)));
  if (code === BSON_TYPE.int) return BigInt((value as { valueOf(): number }).valueOf());
  if (code === BSON_TYPE.double) {
    const d = Math.trunc((value as { valueOf(): number }).valueOf());
    if (!Number.isFinite(d)) return undefined;
    const big = BigInt(d);
    return big < LONG_MIN || big > LONG_MAX ? undefined : big;
  }
  if (code === BSON_TYPE.decimal) {
    const text = String(value);
    if (!/^-?[0-9.E+-]+$/.test(text)) return undefined;
    const whole = decimalIntegerPart(text);
    return whole < LONG_MIN || whole > LONG_MAX ? undefined : whole;
  }
  return undefined;
}

/** The integer part of a finite decimal string (such as "-12.5E+1"), read by bson-order's one decimal reader. */
function decimalIntegerPart(text: string): bigint {
  const { negative, digits, point } = exactOfDecimalString(text);
  const kept =
    point <= 0 ? "0" : point >= digits.length ? digits + "0".repeat(point - digits.length) : digits.slice(0, point);
  const whole = BigInt(kept);
  return negative ? -whole : whole;
}

/** `$mod: [divisor, remainder]`: numbers whose integer part leaves that remainder (sign of the dividend). */
export function modTest(operand: unknown): (value: unknown) => boolean {
  if (!Array.isArray(operand)) throw badValue("malformed mod, needs to be an array");
  if (operand.length < 2) throw badValue("malformed mod, not enough elements");
  if (operand.length > 2) throw badValue("malformed mod, too many elements");
  if (!isNumeric(operand[0])) throw badValue("malformed mod, divisor not a number");
  if (!isNumeric(operand[1])) throw badValue("malformed mod, remainder not a number");
  const divisor = truncatedLong(operand[0]);
  const remainder = truncatedLong(operand[1]);
  if (divisor === undefined) throw badValue("malformed mod, divisor value is invalid");
  if (remainder === undefined) throw badValue("malformed mod, remainder value is invalid");
  if (divisor === BigInt(0)) throw badValue("divisor cannot be 0");
  return (value) => {
    if (!isNumeric(value)) return false;
    const dividend = truncatedLong(value);
    if (dividend === undefined) return false;
    // LONG_MIN % -1 overflows in C++; MongoDB's safeMod answers 0.
    return (divisor === BigInt(-1) ? BigInt(0) : dividend % divisor) === remainder;
  };
}

/** The bit positions a `$bits…` operand names: a non-negative integer mask, a list of positions, or BinData. */
function bitPositions(operator: string, operand: unknown): number[] {
  if (Array.isArray(operand)) {
    return operand.map((item) => {
      const position = isNumeric(item) ? truncatedLong(item) : undefined;
      if (
        position === undefined ||
        position < BigInt(0) ||
        Number(position) !== Number((item as { valueOf(): number }).valueOf())
      )
        throw badValue(`bit positions in ${operator} must be non-negative integers`);
      return Number(position);
    });
  }
  const code = bsonTypeCode(operand);
  if (code === BSON_TYPE.binData || operand instanceof Uint8Array) return bitsOfBytes(binaryParts(operand, nodeBson));
  if (isNumeric(operand)) {
    const mask = truncatedLong(operand);
    if (
      mask === undefined ||
      mask < BigInt(0) ||
      (code === BSON_TYPE.double && Number(mask) !== (operand as { valueOf(): number }).valueOf())
    )
      throw badValue(`${operator} takes a non-negative integer bitmask that fits in 64 bits`);
    const positions: number[] = [];
    for (let bit = 0; bit < 64; bit++) if ((mask >> BigInt(bit)) & BigInt(1)) positions.push(bit);
    return positions;
  }
  throw badValue(`${operator} takes an Array, a number, or a BinData but received: ${String(operand)}`);
}

function bitsOfBytes(parts: { bytes: Uint8Array; length: number }): number[] {
  const positions: number[] = [];
  for (let i = 0; i < parts.length; i++)
    for (let bit = 0; bit < 8; bit++) if (parts.bytes[i] & (1 << bit)) positions.push(i * 8 + bit);
  return positions;
}

/** Whether bit `position` of a value is set: integers in two's complement (sign-extended), BinData little-endian. */
function bitReader(value: unknown): ((position: number) => boolean) | undefined {
  const code = bsonTypeCode(value);
  if (code === BSON_TYPE.binData) {
    const parts = binaryParts(value, nodeBson);
    return (position) => {
      const byte = position >> 3;
      return byte < parts.length && (parts.bytes[byte] & (1 << (position & 7))) !== 0;
    };
  }
  if (!isNumeric(value)) return undefined;
  if (code === BSON_TYPE.double || code === BSON_TYPE.decimal) {
    const n = Number(String((value as { valueOf(): unknown }).valueOf()));
    if (!Number.isInteger(n)) return undefined;
  }
  const whole = truncatedLong(value);
  if (whole === undefined) return undefined;
  return (position) => (position >= 64 ? whole < BigInt(0) : ((whole >> BigInt(position)) & BigInt(1)) === BigInt(1));
}

export function bitsTest(operator: string, operand: unknown): (value: unknown) => boolean {
  const positions = bitPositions(operator, operand);
  const wantSet = operator === "$bitsAllSet" || operator === "$bitsAnySet";
  const all = operator === "$bitsAllSet" || operator === "$bitsAllClear";
  return (value) => {
    const read = bitReader(value);
    if (!read) return false;
    if (all) return positions.every((position) => read(position) === wantSet);
    return positions.some((position) => read(position) === wantSet);
  };
}
