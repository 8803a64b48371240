import { BSON, EJSON } from "bson";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { parseExtendedJson } from "../../../src/core/ejson/parse-extended-json";
import { readInt64Expected, readInt64RelaxedLines } from "../../helpers/int64-fixtures";
import { writeRelaxed } from "../../helpers/relaxed-writer";

const bsonHex = (value: unknown) => Buffer.from(BSON.serialize(value as Record<string, unknown>)).toString("hex");
const { records } = readInt64Expected();

describe.each(["go", "java"] as const)("relaxed Extended JSON as the %s driver writes it", (layout) => {
  const lines = readInt64RelaxedLines(layout);

  it("holds the same records as the expectation", () => {
    expect(lines).toHaveLength(records.length);
  });

  it.each(lines.map((line, index) => ({ index, line })))("line $index reads as the exact BSON", ({ index, line }) => {
    const expected = EJSON.parse(JSON.stringify(records[index]), { relaxed: false });
    expect(bsonHex(parseExtendedJson(line, nodeBson))).toBe(bsonHex(expected));
  });

  // The property test writes its documents with this writer; here it must write the fixtures' bytes.
  it.each(lines.map((line, index) => ({ index, line })))(
    "the test writer writes line $index alike",
    ({ index, line }) => {
      const expected = EJSON.parse(JSON.stringify(records[index]), { relaxed: false });
      expect(writeRelaxed(expected, layout)).toBe(line);
    },
  );
});
