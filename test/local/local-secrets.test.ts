import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readLocalSecrets } from "../../src/local/app-export";

const root = mkdtempSync(join(tmpdir(), "akb-secrets-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** local-secrets.json, as npm start reads it (the shape of local-secrets.example.json). */
describe("local-secrets.json", () => {
  it("reads the example's shape: secret name to text", () => {
    writeFileSync(join(root, "local-secrets.json"), '{"captureMaskKey": "0123", "adminApiPublicKey": "none"}');
    expect(readLocalSecrets(root)).toEqual({ captureMaskKey: "0123", adminApiPublicKey: "none" });
  });

  it("is optional where it is not named: none when absent", () => {
    expect(readLocalSecrets(join(root, "elsewhere"))).toEqual({});
  });

  it.each([
    ["not JSON", '{"captureMaskKey": "abc",}', "local-secrets.json: not valid JSON ("],
    ["empty", "", "local-secrets.json: not valid JSON ("],
    [
      "an array",
      '["captureMaskKey"]',
      "local-secrets.json: must be a JSON object of secret name to value, as in local-secrets.example.json; it holds an array",
    ],
    [
      "null",
      "null",
      "local-secrets.json: must be a JSON object of secret name to value, as in local-secrets.example.json; it holds null",
    ],
    [
      "a string",
      '"captureMaskKey"',
      "local-secrets.json: must be a JSON object of secret name to value, as in local-secrets.example.json; it holds a string",
    ],
    [
      "a number for a secret",
      '{"captureMaskKey": 12345}',
      'local-secrets.json: secret "captureMaskKey" must be a string (App Services secrets are text); it is a number',
    ],
    [
      "secrets nested in an object",
      '{"values": {"captureMaskKey": "k"}}',
      'local-secrets.json: secret "values" must be a string (App Services secrets are text); it is an object',
    ],
    [
      "null for a secret",
      '{"adminApiPublicKey": null}',
      'local-secrets.json: secret "adminApiPublicKey" must be a string (App Services secrets are text); it is null',
    ],
  ])("refuses %s, naming the file", (_name, text, message) => {
    const dir = mkdtempSync(join(root, "case-"));
    writeFileSync(join(dir, "local-secrets.json"), text);
    expect(() => readLocalSecrets(dir)).toThrow(message);
  });

  it("refuses a file named on the command line that is not there", () => {
    expect(() => readLocalSecrets(root, join(root, "nope.json"), { required: true })).toThrow(
      `${join(root, "nope.json")}: no such file`,
    );
  });
});
