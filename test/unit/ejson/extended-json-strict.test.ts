import { BSON, EJSON } from "bson";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { parseExtendedJson } from "../../../src/core/ejson/parse-extended-json";
import { isBridgeError } from "../../../src/core/errors";

/*
 * Strict Extended JSON (mongodb/specifications, source/extended-json/extended-json.md, "Parsers"):
 * an object holding any wrapper key must be exactly that wrapper, every value of its type, format and
 * range. A malformed wrapper is refused naming its path, never read as a value close to it.
 */

const bsonHex = (value: unknown) => Buffer.from(BSON.serialize(value as Record<string, unknown>)).toString("hex");

/** The refusal parseExtendedJson throws for `text`, or a failure when it parses. */
function refusal(text: string): { code: string; message: string } {
  try {
    parseExtendedJson(text, nodeBson);
  } catch (error) {
    if (isBridgeError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error(`parsed, but should have been refused: ${text}`);
}

describe("the wrappers the webhook once stored altered (issue 24) are refused, naming their path", () => {
  // Each was stored with a 200, as the value after the arrow, before strict parsing.
  it.each([
    ["$numberInt beyond Int32 (stored as -2147483648)", '{"x":{"$numberInt":"2147483648"}}', /\$numberInt/],
    ["$date that is no date (stored as 1970-01-01)", '{"x":{"$date":"not-a-date"}}', /\$date/],
    ["$numberDouble with trailing letters (stored as 1.5)", '{"x":{"$numberDouble":"1.5x"}}', /\$numberDouble/],
    ["$binary that is not base64 (stored empty)", '{"x":{"$binary":{"base64":"!!","subType":"zz"}}}', /\$binary/],
    ["$minKey of 2 (stored as MinKey)", '{"x":{"$minKey":2}}', /\$minKey is not 1/],
    ["$maxKey of true", '{"x":{"$maxKey":true}}', /\$maxKey is not 1/],
    ["$oid with an extra key (extra key dropped)", '{"x":{"$oid":"6565a1f0c2b4a1d2e3f40516","y":1}}', /only key/],
    ["$code with a string $scope (scope dropped)", '{"x":{"$code":"f","$scope":"s"}}', /\$scope is not a document/],
    ['$code of a number (stored as Code "5")', '{"x":{"$code":5}}', /\$code is not a string/],
    ["$dbPointer with a non-ObjectId $id (stored as a document)", '{"x":{"$dbPointer":{"$ref":"a","$id":5}}}', /\$id/],
    ["$undefined of false (stored literally)", '{"x":{"$undefined":false}}', /\$undefined is not true/],
    ["$symbol of a number (failed the batch in the encoder)", '{"_id":"x","x":{"$symbol":5}}', /\$symbol/],
    ["hexadecimal $numberDouble (stored as 0)", '{"x":{"$numberDouble":"0x10"}}', /\$numberDouble/],
  ])("%s", (_name, text, rule) => {
    const { code, message } = refusal(text);
    expect(code).toBe("extended_json_invalid");
    expect(message).toMatch(/^data is not valid Extended JSON at x: /);
    expect(message).toMatch(rule);
  });

  it("names a wrapper's path through documents and arrays", () => {
    expect(refusal('{"a":{"b":[1,{"c":{"$numberLong":"1.5"}}]}}').message).toMatch(
      /^data is not valid Extended JSON at a\.b\.1\.c: \$numberLong /,
    );
  });

  it("names the wrapper holding a bad value inside $scope", () => {
    expect(refusal('{"f":{"$code":"x","$scope":{"n":{"$numberInt":"x"}}}}').message).toMatch(
      /^data is not valid Extended JSON at f: in \$scope, \$numberInt/,
    );
  });

  it("never quotes the record's values in the reason", () => {
    const secret = "s3cr3t-value-0123456789abcdef";
    for (const text of [
      `{"x":{"$numberDecimal":"${secret}"}}`,
      `{"x":{"$date":"${secret}"}}`,
      `{"x":{"$uuid":"${secret}"}}`,
      `{"x":{"$oid":"${secret}"}}`,
    ]) {
      expect(refusal(text).message).not.toContain(secret);
    }
  });
});

/**
 * Every wrapper of the conversion table, as a value at `a.b` of a document: its canonical form and,
 * where Relaxed Extended JSON writes it otherwise, its relaxed one. Per field: the probe values
 * that are valid there too (every other probe must be refused) and texts in a wrong format.
 */
interface WrapperCase {
  name: string;
  form: "canonical" | "relaxed";
  wrapper: Record<string, unknown>;
  /** Paths of fields ("$binary.subType") -> the probes that stay valid there. */
  validProbes: Record<string, unknown[]>;
  /** Paths of string fields -> texts in a wrong format or range. */
  badTexts?: Record<string, string[]>;
  /** Paths whose removal leaves a valid value (a wrapper's own key leaves `{}`, a plain document). */
  removable?: string[];
}

const STRINGS = ["", "x", "1"];
const OID = "6565a1f0c2b4a1d2e3f40516";
const integerTexts = (limit: string) => ["1.0", "+1", "01", "-0", " 1", "1 ", "1e2", "0x1", "", "-", "1_0", limit];

const WRAPPERS: WrapperCase[] = [
  {
    name: "ObjectId",
    form: "canonical",
    wrapper: { $oid: OID },
    validProbes: {},
    badTexts: { $oid: [OID.slice(1), `${OID}0`, `${OID.slice(1)}g`, ` ${OID.slice(1)}`] },
  },
  { name: "Symbol", form: "canonical", wrapper: { $symbol: "s" }, validProbes: { $symbol: STRINGS } },
  {
    name: "Int32",
    form: "canonical",
    wrapper: { $numberInt: "42" },
    validProbes: { $numberInt: ["1"] },
    badTexts: { $numberInt: [...integerTexts("2147483648"), "-2147483649"] },
  },
  {
    name: "Int64",
    form: "canonical",
    wrapper: { $numberLong: "42" },
    validProbes: { $numberLong: ["1"] },
    badTexts: { $numberLong: [...integerTexts("9223372036854775808"), "-9223372036854775809"] },
  },
  {
    name: "Double",
    form: "canonical",
    wrapper: { $numberDouble: "42.5" },
    validProbes: { $numberDouble: ["1"] },
    badTexts: {
      $numberDouble: ["1.5x", "+1.5", "0x10", "1e400", "-1e400", "Inf", "-NaN", "nan", " 1", "1,5", "1_0", "."],
    },
  },
  {
    name: "Double, non-finite",
    form: "relaxed",
    wrapper: { $numberDouble: "-Infinity" },
    validProbes: { $numberDouble: ["1"] },
    badTexts: { $numberDouble: ["-infinity", "Infinity ", "+Infinity"] },
  },
  {
    name: "Decimal128",
    form: "canonical",
    wrapper: { $numberDecimal: "1234.5" },
    validProbes: { $numberDecimal: ["1"] },
    badTexts: {
      $numberDecimal: [
        "not-a-number",
        "1.23abc",
        "1e",
        "--1",
        " 1",
        "1 ",
        "1..2",
        "Infi",
        "0x10",
        "1E-6177",
        "1".repeat(35),
      ],
    },
  },
  {
    name: "Binary",
    form: "canonical",
    wrapper: { $binary: { base64: "AQIDBAU=", subType: "80" } },
    validProbes: { "$binary.base64": [""], "$binary.subType": ["1"] },
    badTexts: {
      "$binary.base64": [
        "AQIDBAU",
        "AQID BAU=",
        "AQIDBAV=",
        "AQ==AQ==",
        "3q2-7w__",
        "AQIDBAU=\n",
        "AQIDBAé=",
        "=AQIDBAU",
      ],
      "$binary.subType": ["", "100", "g1", " 5", "0x80"],
    },
  },
  {
    name: "Binary, vector",
    form: "canonical",
    wrapper: { $binary: { base64: "AwB/Bw==", subType: "09" } },
    validProbes: { "$binary.base64": [], "$binary.subType": ["1"] },
    // No metadata; int8 with padding; float32 of 6 bytes; packed bits with padding 8; empty packed bits padded.
    badTexts: { "$binary.base64": ["", "AwE=", "JwAAAAAAAA==", "EAgA", "EAc="] },
  },
  {
    name: "UUID",
    form: "canonical",
    wrapper: { $uuid: "c8edabc3-f738-4ca3-b68d-ab92a91478a3" },
    validProbes: {},
    badTexts: {
      $uuid: [
        "73ffd264-44b3-90e8-e7d1dfc035d4",
        "73ffd264-44b3-4c69-90e8-e7d1dfc035d4-789e4",
        "73ff-d26444b-34c6-990e8e-7d1dfc035d4",
        "----d264-44b3-4--9-90e8-e7d1dfc0----",
        "c8edabc3f738-4ca3-b68d-ab92a91478a3",
        "urn:uuid:c8edabc3-f738-4ca3-b68d-ab92a91478a3",
        "{c8edabc3-f738-4ca3-b68d-ab92a91478a3}",
      ],
    },
  },
  { name: "Code", form: "canonical", wrapper: { $code: "function() {}" }, validProbes: { $code: STRINGS } },
  {
    name: "CodeWScope",
    form: "canonical",
    wrapper: { $code: "function() {}", $scope: { x: { $numberInt: "1" } } },
    validProbes: {
      $code: STRINGS,
      $scope: [{}],
      "$scope.x": [null, true, false, 0, 1, -1, 1.5, 4294967296, ...STRINGS, [], {}],
    },
    removable: ["$scope", "$scope.x", "$scope.x.$numberInt"],
    badTexts: { "$scope.x.$numberInt": ["x"] },
  },
  {
    name: "Timestamp",
    form: "canonical",
    wrapper: { $timestamp: { t: 42, i: 1 } },
    validProbes: { "$timestamp.t": [0, 1], "$timestamp.i": [0, 1] },
  },
  {
    name: "Regular expression",
    form: "canonical",
    wrapper: { $regularExpression: { pattern: "foo*", options: "ix" } },
    validProbes: { "$regularExpression.pattern": STRINGS, "$regularExpression.options": ["", "x"] },
    badTexts: {
      "$regularExpression.pattern": ["a\u0000b"],
      "$regularExpression.options": ["q", "ii", "i ", "I", "g", "i\u0000"],
    },
  },
  {
    name: "DBPointer",
    form: "canonical",
    wrapper: { $dbPointer: { $ref: "db.coll", $id: { $oid: OID } } },
    validProbes: { "$dbPointer.$ref": ["x", "1"] },
    badTexts: { "$dbPointer.$id.$oid": ["x", OID.slice(1)] },
  },
  {
    name: "Datetime",
    form: "canonical",
    wrapper: { $date: { $numberLong: "1356351330501" } },
    validProbes: { "$date.$numberLong": ["1"] },
    // Beyond what a JavaScript Date holds (±8.64e15 ms): it would be written as another date, or none.
    badTexts: {
      "$date.$numberLong": [...integerTexts("9223372036854775807"), "8640000000000001", "-8640000000000001"],
    },
  },
  {
    name: "Datetime",
    form: "relaxed",
    wrapper: { $date: "2012-12-24T12:15:30.501Z" },
    validProbes: {},
    badTexts: {
      $date: [
        "not-a-date",
        "2012-12-24",
        "2012-12-24T12:15:30",
        "2012-12-24 12:15:30Z",
        "2012-02-30T00:00:00Z",
        "2013-02-29T00:00:00Z",
        "2012-13-01T00:00:00Z",
        "2012-12-24T24:00:00Z",
        "2012-12-24T12:60:00Z",
        "2016-12-31T23:59:60Z",
        "2012-12-24T12:15:30.5012Z",
        "2012-12-24T12:15:30.Z",
        "2012-12-24T12:15:30+0100",
        "2012-12-24T12:15:30+24:00",
        "10000-01-01T00:00:00Z",
        "+2012-12-24T12:15:30Z",
        "2012-12-24T12:15:30Z ",
      ],
    },
  },
  { name: "MinKey", form: "canonical", wrapper: { $minKey: 1 }, validProbes: { $minKey: [1] } },
  { name: "MaxKey", form: "canonical", wrapper: { $maxKey: 1 }, validProbes: { $maxKey: [1] } },
  { name: "Undefined", form: "canonical", wrapper: { $undefined: true }, validProbes: { $undefined: [true] } },
];

const PROBES: unknown[] = [null, true, false, 0, 1, -1, 1.5, 4294967296, "", "x", "1", [], {}, { $numberInt: "1" }];

/** Every (path, value) of a wrapper, objects included, by dotted path from the wrapper. */
function fieldsOf(value: unknown, prefix = ""): { path: string; value: unknown }[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    return [{ path, value: inner }, ...fieldsOf(inner, path)];
  });
}

function setAt(root: unknown, path: string, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string, unknown>;
  const keys = path.split(".");
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Record<string, unknown>;
  if (value === REMOVE) delete target[keys[keys.length - 1]];
  else target[keys[keys.length - 1]] = value;
  return copy;
}

const REMOVE = Symbol("remove the field");

/** The wrapper as the value at a.b of a document written in that form. */
function documentText(wrapper: unknown, form: WrapperCase["form"]): string {
  const others = form === "canonical" ? { n: { $numberInt: "7" }, d: { $numberDouble: "1.5" } } : { n: 7, d: 1.5 };
  return JSON.stringify({ _id: "w", ...others, a: { b: wrapper } });
}

function mutations(wrapperCase: WrapperCase): { name: string; text: string; valid: boolean }[] {
  const { wrapper, form, validProbes, badTexts = {}, removable = [] } = wrapperCase;
  const out: { name: string; text: string; valid: boolean }[] = [];
  const ownKeys = Object.keys(wrapper);
  for (const { path, value } of fieldsOf(wrapper)) {
    for (const probe of PROBES) {
      if (JSON.stringify(probe) === JSON.stringify(value)) continue;
      const valid = (validProbes[path] || []).some((ok) => JSON.stringify(ok) === JSON.stringify(probe));
      out.push({
        name: `${path} = ${JSON.stringify(probe)}`,
        text: documentText(setAt(wrapper, path, probe), form),
        valid,
      });
    }
    for (const text of badTexts[path] || [])
      out.push({
        name: `${path} = ${JSON.stringify(text)}`,
        text: documentText(setAt(wrapper, path, text), form),
        valid: false,
      });
    // Removing a wrapper's only key leaves {}: a document, not a wrapper.
    const alone = ownKeys.length === 1 && path === ownKeys[0];
    if (!alone)
      out.push({
        name: `${path} removed`,
        text: documentText(setAt(wrapper, path, REMOVE), form),
        valid: removable.includes(path),
      });
    if (value !== null && typeof value === "object" && !Array.isArray(value) && !path.startsWith("$scope"))
      out.push({
        name: `${path} with an extra key`,
        text: documentText(setAt(wrapper, `${path}.extra`, 1), form),
        valid: false,
      });
  }
  out.push({
    name: "an extra key beside the wrapper's",
    text: documentText({ ...wrapper, extra: 1 }, form),
    valid: false,
  });
  out.push({
    name: "an extra $-key beside the wrapper's",
    text: documentText({ ...wrapper, $extra: 1 }, form),
    valid: false,
  });
  return out;
}

describe.each(WRAPPERS.map((w) => ({ ...w, label: `${w.name} (${w.form})` })))("$label", (wrapperCase) => {
  it("parses as the library parses it", () => {
    const text = documentText(wrapperCase.wrapper, wrapperCase.form);
    expect(bsonHex(parseExtendedJson(text, nodeBson))).toBe(bsonHex(EJSON.parse(text, { relaxed: false })));
  });

  const cases = mutations(wrapperCase);
  it.each(cases.filter((c) => !c.valid).map((c) => [c.name, c.text]))("refuses %s", (_name, text) => {
    const { code, message } = refusal(text);
    expect(code).toBe("extended_json_invalid");
    expect(message).toMatch(/^data is not valid Extended JSON at a\.b: /);
  });

  const valid = cases.filter((c) => c.valid);
  if (valid.length > 0) {
    it.each(valid.map((c) => [c.name, c.text]))("still parses %s as the library does", (_name, text) => {
      expect(bsonHex(parseExtendedJson(text, nodeBson))).toBe(bsonHex(EJSON.parse(text, { relaxed: false })));
    });
  }
});

describe("valid forms, as the specification's tests write them, parse exactly", () => {
  it.each([
    ["keys of a wrapper in another order", '{"a":{"$binary":{"subType":"00","base64":"//8="}}}'],
    ["$timestamp's keys reversed", '{"a":{"$timestamp":{"i":42,"t":123456789}}}'],
    ["$timestamp at its largest", '{"a":{"$timestamp":{"t":4294967295,"i":4294967295}}}'],
    [
      "regular expression options in any order (kept sorted)",
      '{"a":{"$regularExpression":{"pattern":"abc","options":"mix"}}}',
    ],
    ["regular expression options reversed keys", '{"a":{"$regularExpression":{"options":"im","pattern":"abc"}}}'],
    ["one-digit subtype, upper-case hex", '{"a":{"$binary":{"base64":"//8=","subType":"F"}}}'],
    ["upper-case ObjectId", '{"a":{"$oid":"56E1FC72E0C917E9C4714161"}}'],
    ["$uuid without hyphens, upper case", '{"a":{"$uuid":"C8EDABC3F7384CA3B68DAB92A91478A3"}}'],
    ["$code with $scope, keys reversed", '{"a":{"$scope":{"x":1},"$code":"f"}}'],
    ["$numberDouble -0.0 and 1.0", '{"a":{"$numberDouble":"-0.0"},"b":{"$numberDouble":"1.0"}}'],
    ["$numberDouble .1 and 1.", '{"a":{"$numberDouble":".1"},"b":{"$numberDouble":"1."}}'],
    ["$numberDouble 1.2345678921232E+18", '{"a":{"$numberDouble":"1.2345678921232E+18"}}'],
    [
      "$numberDecimal specials and signs",
      '{"a":{"$numberDecimal":"-NaN"},"b":{"$numberDecimal":"+infinity"},"c":{"$numberDecimal":"+00345678.5432"}}',
    ],
    ["$numberDecimal at 34 digits", '{"a":{"$numberDecimal":"1234567890123456789012345678901234"}}'],
    [
      "Int32 and Int64 bounds",
      '{"a":{"$numberInt":"-2147483648"},"b":{"$numberLong":"-9223372036854775808"},"c":{"$numberLong":"9223372036854775807"}}',
    ],
    [
      "dates from year 0001 to 9999, any zone",
      '{"a":{"$date":"0001-01-01T00:00:00Z"},"b":{"$date":"9999-12-31T23:59:59.999+01:00"},"c":{"$date":"2012-12-24t12:15:30z"}}',
    ],
    ["a date with zeros below the millisecond", '{"a":{"$date":"2012-12-24T12:15:30.501000Z"}}'],
    [
      "a date at the Date range's end",
      '{"a":{"$date":{"$numberLong":"8640000000000000"}},"b":{"$date":{"$numberLong":"-8640000000000000"}}}',
    ],
    [
      "a DBRef with $db and other fields (no wrapper: kept)",
      '{"a":{"$ref":"c","$id":{"$oid":"58921b3e6e32ab156a22b59e"},"$db":"db","foo":"bar"}}',
    ],
    [
      "a document resembling a DBRef ($ref not a string)",
      '{"a":{"$ref":{"$numberInt":"1"},"$id":{"$oid":"58921b3e6e32ab156a22b59e"}}}',
    ],
    [
      "the $regex query operator around a wrapper",
      '{"q":{"$regex":{"$regularExpression":{"pattern":"p","options":""}},"$options":"ix"}}',
    ],
    ["the $type query operator", '{"x":{"$type":"string"},"y":{"$type":{"$numberInt":"2"}}}'],
    ["$-prefixed and dotted keys at the top level", '{"$key":{"$numberInt":"42"},"$":"a","a.b":"c",".":"a"}'],
    [
      "vectors: int8, float32, packed bits, empty ones",
      '{"a":{"$binary":{"base64":"AwB/Bw==","subType":"09"}},"b":{"$binary":{"base64":"JwAAAP5CAADgQA==","subType":"09"}},"c":{"$binary":{"base64":"EAB/Bw==","subType":"09"}},"d":{"$binary":{"base64":"JwA=","subType":"09"}}}',
    ],
    [
      "strings with every escape, embedded NULs in values",
      '{"a":"ab\\"\\u0001\\u001f\\u0000ab","b":{"$symbol":"ab\\u0000"},"c":{"$code":"\\u00e9\\u0000d"}}',
    ],
    ["surrogate pairs written as escapes", '{"a":"\\ud83d\\ude00","\\ud83d\\ude00":1}'],
  ])("%s", (_name, text) => {
    expect(bsonHex(parseExtendedJson(text, nodeBson))).toBe(bsonHex(EJSON.parse(text, { relaxed: false })));
  });

  it.each([
    ["$undefined (deprecated) is written as null", '{"a":{"$undefined":true}}', '{"a":null}'],
    [
      "$dbPointer (deprecated) is written as its DBRef",
      '{"a":{"$dbPointer":{"$id":{"$oid":"56e1fc72e0c917e9c4714161"},"$ref":"b"}}}',
      '{"a":{"$ref":"b","$id":{"$oid":"56e1fc72e0c917e9c4714161"}}}',
    ],
  ])("%s, as the specification's converted form", (_name, text, converted) => {
    expect(bsonHex(parseExtendedJson(text, nodeBson))).toBe(bsonHex(EJSON.parse(converted, { relaxed: false })));
  });
});

describe("names and strings BSON cannot hold", () => {
  it.each([
    ["a NUL in a nested field name", '{"a":{"b\\u0000c":1}}', "field_name_invalid", /^a field name in a holds a NUL/],
    ["a NUL in a top-level field name", '{"k\\u0000":1}', "field_name_invalid", /in \(top level\) holds a NUL/],
    ["a field named _bsontype", '{"a":[{"_bsontype":"Long","low":1}]}', "field_name_invalid", /in a\.0 is _bsontype/],
    ["_bsontype spelled with an escape", '{"a":{"\\u005fbsontype":5}}', "field_name_invalid", /is _bsontype/],
    [
      "a lone high surrogate in a value",
      '{"a":{"b":"x\\ud800"}}',
      "string_invalid",
      /^a string in a holds an unpaired/,
    ],
    ["a lone low surrogate in an array", '{"a":["\\udc00"]}', "string_invalid", /in a holds an unpaired/],
    ["a lone surrogate in a name", '{"\\ud800":1}', "field_name_invalid", /unpaired/],
    [
      "a NUL in a regular expression pattern",
      '{"a":{"$regularExpression":{"pattern":"b\\u0000","options":"i"}}}',
      "extended_json_invalid",
      /pattern/,
    ],
  ])("%s", (_name, text, code, message) => {
    const refused = refusal(text);
    expect(refused.code).toBe(code);
    expect(refused.message).toMatch(message);
  });

  it("refuses a record nested deeper than its walks go, without overflowing the stack", () => {
    const text = `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(refusal(text)).toEqual({ code: "nesting_too_deep", message: "the record nests deeper than 1000 levels" });
  });

  it.each([
    ["a document", '{"a":{"b":{"c":1}}}', 3],
    ["arrays count as levels", '{"a":[[1]]}', 3],
    ["the record alone", '{"a":1}', 1],
  ])("measures the nesting of %s", (_name, text, depth) => {
    const measured = { depth: 0 };
    parseExtendedJson(text, nodeBson, measured);
    expect(measured.depth).toBe(depth);
  });
});
