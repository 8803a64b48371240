import { BSON, EJSON } from "bson";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { parseExtendedJson } from "../../../src/core/ejson/parse-extended-json";
import { isBridgeError } from "../../../src/core/errors";

/*
 * The specification's own test suite (mongodb/specifications, source/bson-corpus/tests/*.json), run
 * when BSON_CORPUS_DIR names a folder holding its files; the suite is not copied into this
 * repository. Every valid case's Extended JSON (canonical, relaxed, degenerate) must parse to the
 * case's BSON (its converted BSON for the deprecated types written as others), and every parse
 * error must be refused.
 */
const dir = process.env.BSON_CORPUS_DIR;

interface CorpusFile {
  description: string;
  bson_type: string;
  deprecated?: boolean;
  valid?: {
    description: string;
    canonical_bson: string;
    converted_bson?: string;
    canonical_extjson?: string;
    relaxed_extjson?: string;
    degenerate_extjson?: string;
    lossy?: boolean;
  }[];
  parseErrors?: { description: string; string: string }[];
}

const hex = (value: unknown) => Buffer.from(BSON.serialize(value as Record<string, unknown>)).toString("hex");

// Types whose parse errors are Extended JSON texts (decimal128's are Decimal128 strings, read through $numberDecimal).
function parseErrorText(file: CorpusFile, text: string): string {
  return file.bson_type === "0x13" ? `{"d":{"$numberDecimal":${JSON.stringify(text)}}}` : text;
}

if (!dir || !existsSync(dir)) {
  it("the BSON corpus of the specification", (context) =>
    context.skip("BSON_CORPUS_DIR is not set to a copy of mongodb/specifications' source/bson-corpus/tests"));
} else {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => ({ name, file: JSON.parse(readFileSync(join(dir, name), "utf8")) as CorpusFile }));

  describe.each(files)("BSON corpus $name", ({ file }) => {
    // As the corpus's test plan says (bson-corpus.md, "Testing validity"): canonical and degenerate
    // Extended JSON parse to the case's BSON unless the case is lossy; relaxed Extended JSON reads
    // back as itself once written relaxed again.
    const cases = file.valid || [];
    const exact = cases.flatMap((test) =>
      (["canonical_extjson", "degenerate_extjson"] as const)
        .filter((form) => test[form] !== undefined && !test.lossy)
        .map((form) => ({ name: `${test.description} (${form})`, text: test[form] as string, test })),
    );
    if (exact.length > 0) {
      it.each(exact)("valid: $name", ({ text, test }) => {
        const parsed = hex(parseExtendedJson(text, nodeBson));
        // Deprecated types are written as the JavaScript library writes them: a symbol as itself,
        // undefined as null, a DBPointer as its DBRef (some cases mix the two forms).
        const expected = [test.canonical_bson, test.converted_bson || ""].map((bytes) => bytes.toLowerCase());
        if (file.deprecated) expected.push(hex(EJSON.parse(text, { relaxed: false })));
        expect(expected).toContain(parsed);
      });
    }
    const relaxed = cases.filter((test) => test.relaxed_extjson !== undefined);
    if (relaxed.length > 0) {
      it.each(relaxed.map((test) => ({ name: test.description, text: test.relaxed_extjson as string })))(
        "valid: $name (relaxed_extjson)",
        ({ text }) => {
          const again = EJSON.stringify(parseExtendedJson(text, nodeBson) as object, { relaxed: true });
          // The library's relaxed writer drops -0's sign; the canonical cases hold the parser to it.
          const values = (json: string) => JSON.parse(json, (_key, value) => (value === 0 ? 0 : value));
          expect(values(again)).toEqual(values(text));
        },
      );
    }
    const errors = file.parseErrors || [];
    if (errors.length > 0) {
      it.each(errors)("parse error: $description", ({ string }) => {
        let refused = false;
        try {
          parseExtendedJson(parseErrorText(file, string), nodeBson);
        } catch (error) {
          refused = isBridgeError(error) || error instanceof SyntaxError;
        }
        expect(refused).toBe(true);
      });
    }
  });
}
