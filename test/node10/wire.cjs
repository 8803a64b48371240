// How values cross between the test process (Node 20, bson 7) and the Node 10 process (bson 4): canonical
// Extended JSON, plus two marks for what canonical EJSON cannot say. It writes a JS number and an
// Int32/Double wrapper alike ({"$numberInt": "1"}) and a JS integer beyond 2^31 as $numberLong, so the
// receiving side would hand the store (or the function) other types than an in-process call does; and
// JSON drops `undefined`. A JS number therefore travels as {"$jsNumber": "<its text>"}, `undefined` as
// {"$jsUndefined": true}. Plain ES2018 CommonJS: both processes load this file.
"use strict";

/** @param {{ EJSON: { stringify: Function, parse: Function }, Binary: any }} bson either bson 4 or bson 7 */
module.exports = function wireFor(bson) {
  function isBsonOrBuiltIn(value) {
    return value._bsontype !== undefined || value instanceof Date || value instanceof RegExp;
  }

  function mark(value) {
    if (typeof value === "number") return { $jsNumber: Object.is(value, -0) ? "-0" : String(value) };
    if (value === undefined) return { $jsUndefined: true };
    if (value === null || typeof value !== "object" || isBsonOrBuiltIn(value)) return value;
    // The store keeps bytes as Binary subtype 0, as BSON serialization of a Buffer does.
    if (value instanceof Uint8Array) return new bson.Binary(value);
    if (Array.isArray(value)) return value.map(mark);
    const out = {};
    for (const key of Object.keys(value)) out[key] = mark(value[key]);
    return out;
  }

  function unmark(value) {
    if (value === null || typeof value !== "object" || isBsonOrBuiltIn(value)) return value;
    if (Array.isArray(value)) return value.map(unmark);
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$jsNumber") return Number(value.$jsNumber);
    if (keys.length === 1 && keys[0] === "$jsUndefined") return undefined;
    const out = {};
    for (const key of keys) out[key] = unmark(value[key]);
    return out;
  }

  return {
    encode(value) {
      return bson.EJSON.stringify(mark(value), { relaxed: false });
    },
    decode(text) {
      return unmark(bson.EJSON.parse(text, { relaxed: false }));
    },
  };
};
