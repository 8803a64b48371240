// Lints the BUILT App Services functions (functions/*.js) for the App Services runtime: ES2018
// syntax and built-ins, the features App Services lists as unsupported, and Node 10.18.1 APIs;
// the TypeScript sources' borders: what src/core and src/adapters may import; and that no function
// in src/ or scripts/ is over 100 lines. (tsc type-checks.)
import tsParser from "@typescript-eslint/parser";
import esx from "eslint-plugin-es-x";
import n from "eslint-plugin-n";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

// src/core is logic and ports only: no transport, signer, driver, store or host code.
const coreMayNotImport = {
  paths: [
    "http",
    "https",
    "net",
    "tls",
    "dns",
    "dgram",
    "fs",
    "child_process",
    "node:http",
    "node:https",
    "node:net",
    "node:tls",
    "node:dns",
    "node:dgram",
    "node:fs",
    "node:child_process",
  ].map((name) => ({
    name,
    message: "src/core does no I/O: take a port (src/core/ports.ts) and implement it in src/adapters",
  })),
  patterns: [
    {
      group: ["aws4", "mongodb", "bson", "croner", "kinesis-local", "kinesalite", "@aws-sdk/*", "@smithy/*"],
      message: "src/core depends on no driver, signer or SDK: put it in an adapter behind a port",
    },
    {
      group: ["**/adapters/**", "**/local/**", "**/embedded/**", "**/bin/**", "**/functions/**"],
      message: "src/core may not import hosts, adapters or the local runtime",
    },
  ],
};

// Node modules App Services provides in full or in part: declared once, beside its host adapter.
const appServicesModules = require("./src/adapters/app-services/node-modules.json").modules;

// ES2015 statics App Services marks unsupported ("Array/Number static methods", "Math methods").
const unsupportedStatics = Object.keys(esx.rules)
  .filter((rule) => /^no-(array-(from|of)$|number-|math-)/.test(rule))
  .map((rule) => [`es-x/${rule}`, "error"]);

// The capture and webhook cores share only the stream's record format (src/core/stream-format), which
// imports neither: the format is the contract between the two, not one side's code.
const coreBorders = [
  { files: ["src/core/capture/**/*.ts"], mayNotImport: ["**/firehose/**"], message: "capture" },
  { files: ["src/core/firehose/**/*.ts"], mayNotImport: ["**/capture/**"], message: "the webhook" },
  {
    files: ["src/core/stream-format/**/*.ts"],
    mayNotImport: ["**/capture/**", "**/firehose/**"],
    message: "the stream format",
  },
].map(({ files, mayNotImport, message }) => ({
  files,
  languageOptions: { parser: tsParser },
  rules: {
    // A later entry for the same rule replaces the earlier one, so the core's list is repeated here.
    "no-restricted-imports": [
      "error",
      {
        ...coreMayNotImport,
        patterns: [
          ...coreMayNotImport.patterns,
          {
            group: mayNotImport,
            message: `${message} shares only src/core/stream-format with the other side: move what both need there`,
          },
        ],
      },
    ],
  },
}));

export default [
  {
    // No function over 100 lines, blank lines and comments counted: a longer one does several things.
    files: ["src/**/*.ts", "scripts/**/*.ts"],
    languageOptions: { parser: tsParser },
    rules: {
      "max-lines-per-function": ["error", { max: 100, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
  {
    files: ["src/core/**/*.ts"],
    languageOptions: { parser: tsParser },
    rules: { "no-restricted-imports": ["error", coreMayNotImport] },
  },
  ...coreBorders,
  {
    files: ["src/adapters/**/*.ts"],
    languageOptions: { parser: tsParser },
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/local/**", "**/bin/**"],
              message:
                "adapters are for production hosts: they may not import the local runtime or the command-line entry points",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["functions/*.js"],
    plugins: { "es-x": esx, n },
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "script",
      globals: {
        exports: "writable",
        context: "readonly",
        BSON: "readonly",
        EJSON: "readonly",
        utils: "readonly",
        Buffer: "readonly",
        require: "readonly",
        console: "readonly",
        process: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        Promise: "readonly",
      },
    },
    settings: { node: { version: "10.18.1" } },
    rules: {
      ...esx.configs["flat/restrict-to-es2018"].rules,
      "es-x/no-bigint": "error",
      "es-x/no-proxy": "error",
      "es-x/no-reflect": "error",
      "es-x/no-weak-set": "error",
      "es-x/no-regexp-u-flag": "error",
      "es-x/no-regexp-y-flag": "error",
      ...Object.fromEntries(unsupportedStatics),
      "n/no-unsupported-features/node-builtins": ["error", { version: "10.18.1" }],
      "no-restricted-globals": [
        "error",
        { name: "TextDecoder", message: "App Services has no TextDecoder; use Buffer" },
        { name: "TextEncoder", message: "App Services has no TextEncoder; use Buffer" },
        { name: "module", message: "App Services functions have no module global" },
        { name: "structuredClone", message: "not in Node 10" },
        { name: "fetch", message: "not in Node 10; use https or context.http" },
        { name: "AbortController", message: "not in Node 10" },
        { name: "queueMicrotask", message: "not in Node 10" },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: `CallExpression[callee.name="require"]:not([arguments.0.value=/^(${appServicesModules.join("|")})$/])`,
          message: "App Services functions may require only the Node modules it provides; bundle everything else",
        },
      ],
      "no-undef": "error",
    },
  },
];
