import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUtf8Run } from "../../src/adapters/node/decode-utf8-run";

/** V8's reading of the bytes, and whether they are valid UTF-8 (no byte replaced by U+FFFD). */
function v8Reading(bytes: Buffer): { text: string; valid: boolean } {
  const text = bytes.toString("utf8");
  return { text, valid: Buffer.from(text, "utf8").equals(bytes) };
}

const invalidCases: { name: string; bytes: number[] }[] = [
  { name: "a byte that never occurs in UTF-8", bytes: [0xff] },
  { name: "a lead byte without its continuation", bytes: [0xc3] },
  { name: "a three-byte sequence cut short", bytes: [0xe6, 0x9d] },
  { name: "a UTF-16 surrogate (CESU-8)", bytes: [0xed, 0xa0, 0x80] },
  { name: "a code point above U+10FFFF", bytes: [0xf4, 0x90, 0x80, 0x80] },
  { name: "an overlong NUL", bytes: [0xc0, 0x80] },
  { name: "an overlong three-byte form", bytes: [0xe0, 0x80, 0x80] },
  { name: "a five-byte form", bytes: [0xf8, 0x88, 0x80, 0x80, 0x80] },
  { name: "a lone continuation byte", bytes: [0x80] },
];

const validCases: { name: string; text: string }[] = [
  { name: "ASCII (read as Latin-1)", text: '{"a":1}\0{"b":2}\0' },
  { name: "two-byte letters", text: "Zürich ñ\0" },
  { name: "CJK", text: "東京\0" },
  { name: "astral (a surrogate pair in UTF-16)", text: "😀 𝄞\0" },
  { name: "a genuine U+FFFD", text: "\uFFFD\0" },
  { name: "a byte-order mark, kept", text: "\uFEFF{}\0" },
  { name: "noncharacters", text: "\uFFFE\uFFFF\0" },
];

describe("decodeUtf8Run", () => {
  it("exists on this Node (built with ICU)", () => {
    expect(typeof decodeUtf8Run).toBe("function");
  });

  it.each(invalidCases)("throws on $name", ({ bytes }) => {
    const run = Buffer.from([0x61, ...bytes, 0x00, 0x62, 0x00]);
    expect(v8Reading(run).valid).toBe(false);
    expect(() => decodeUtf8Run!(run)).toThrow();
  });

  it.each(validCases)("reads $name as V8 does", ({ text }) => {
    const run = Buffer.from(text, "utf8");
    expect(decodeUtf8Run!(run)).toBe(text);
    expect(decodeUtf8Run!(run)).toBe(run.toString("utf8"));
  });

  it("equals V8's decoding on valid UTF-8 and throws on anything else (property)", () => {
    const bytes = fc.oneof(
      fc.string({ unit: "binary", maxLength: 40 }).map((text) => Buffer.from(text, "utf8")),
      fc.uint8Array({ maxLength: 40 }).map((array) => Buffer.from(array)),
      fc
        .tuple(fc.string({ unit: "binary", maxLength: 20 }), fc.nat(), fc.integer({ min: 0x80, max: 0xff }))
        .map(([text, at, byte]) => {
          const buffer = Buffer.from(text, "utf8");
          if (buffer.length > 0) buffer[at % buffer.length] = byte;
          return buffer;
        }),
    );
    fc.assert(
      fc.property(bytes, (run) => {
        const expected = v8Reading(run);
        if (expected.valid) expect(decodeUtf8Run!(run)).toBe(expected.text);
        else expect(() => decodeUtf8Run!(run)).toThrow();
      }),
      { numRuns: 5000 },
    );
  });
});
