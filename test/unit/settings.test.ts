import { describe, expect, it } from "vitest";
import { kinesisSettings, readCaptureConfig } from "../../src/core/capture/config";
import { readFirehoseConfig } from "../../src/core/firehose/config";
import { listenSettings } from "../../src/adapters/node-http/server-settings";
import { readSettings, setting, wholeNumber } from "../../src/core/settings";

/** One way to read configuration: App Services values and environment variables, same parsers, same messages. */
describe("settings", () => {
  it.each([
    {
      name: "a bad database name, read by capture",
      read: () => readCaptureConfig((n) => (n === "HEARTBEAT_DATABASE" ? "bad$name" : undefined)),
    },
    {
      name: "the same bad database name, read by the webhook",
      read: () => readFirehoseConfig((n) => (n === "HEARTBEAT_DATABASE" ? "bad$name" : undefined)),
    },
  ])("rejects $name with the same message", ({ read }) => {
    expect(read).toThrow(
      'HEARTBEAT_DATABASE "bad$name" is not a valid database name: it holds "$" (MongoDB refuses / \\ . " $ * < > : | ?, spaces and NUL in database names)',
    );
  });

  // MongoDB's naming rules (the manual, "MongoDB Limits and Thresholds", Naming Restrictions), read
  // wherever a setting names a database or collection; the same messages reach `npm run check`.
  const ALL_REFUSED = '(MongoDB refuses / \\ . " $ * < > : | ?, spaces and NUL in database names)';
  it.each([
    {
      name: "a space in a database name",
      values: { FIREHOSE_DATABASE: "my db" },
      message: `FIREHOSE_DATABASE "my db" is not a valid database name: it holds a space ${ALL_REFUSED}`,
    },
    {
      name: "a dot in a database name",
      values: { FIREHOSE_DATABASE: "app.mirror" },
      message: `FIREHOSE_DATABASE "app.mirror" is not a valid database name: it holds "." ${ALL_REFUSED}`,
    },
    {
      name: "a Windows-only character in a database name",
      values: { HEARTBEAT_DATABASE: "ops:1" },
      message: `HEARTBEAT_DATABASE "ops:1" is not a valid database name: it holds ":" ${ALL_REFUSED}`,
    },
    {
      name: "a database name of 64 bytes",
      values: { FIREHOSE_DATABASE: "d".repeat(62) + "é" },
      message: `FIREHOSE_DATABASE "${"d".repeat(62)}é" is not a valid database name: it is 64 bytes long (at most 63)`,
    },
    {
      name: "a system collection",
      values: { FIREHOSE_COLLECTION: "system.profile" },
      message:
        'FIREHOSE_COLLECTION "system.profile" is not a valid collection name: the "system." prefix is MongoDB\'s own',
    },
    {
      name: "a dollar in a collection name",
      values: { FIREHOSE_DEAD_LETTER_COLLECTION: "dead$letters" },
      message: 'FIREHOSE_DEAD_LETTER_COLLECTION "dead$letters" is not a valid collection name: it holds "$"',
    },
    {
      name: "a NUL in a collection name",
      values: { FIREHOSE_COLLECTION: "a\u0000b" },
      message: 'FIREHOSE_COLLECTION "a\\0b" is not a valid collection name: it holds a NUL character',
    },
    {
      name: "a namespace map target with a space in its database",
      values: { FIREHOSE_NAMESPACE_MAP: '{"app.orders": "my db.orders"}' },
      message: `FIREHOSE_NAMESPACE_MAP entry "app.orders": the target "my db" is not a valid database name: it holds a space ${ALL_REFUSED}`,
    },
    {
      name: "a namespace map target collection with a dollar",
      values: { FIREHOSE_NAMESPACE_MAP: '{"app.orders": "$orders"}' },
      message:
        'FIREHOSE_NAMESPACE_MAP entry "app.orders": the target "$orders" is not a valid collection name: it holds "$"',
    },
  ])("refuses $name, naming the setting and the rule", ({ values, message }) => {
    expect(() => readFirehoseConfig((n) => (values as Record<string, string | undefined>)[n])).toThrow(message);
  });

  it.each(["monitors", "ops-2026", "données", "d".repeat(63)])("accepts the database name %j", (db) => {
    expect(readFirehoseConfig((n) => (n === "FIREHOSE_DATABASE" ? db : undefined)).database).toBe(db);
  });

  it.each([
    {
      raw: "us-east1",
      message:
        'AWS_REGION "us-east1" is not an AWS region name (such as "us-east-1" or "eu-central-2"); did you mean "us-east-1"?',
    },
    {
      raw: "US-EAST-1",
      message:
        'AWS_REGION "US-EAST-1" is not an AWS region name (such as "us-east-1" or "eu-central-2"); did you mean "us-east-1"?',
    },
    {
      raw: "eu-central-2 ",
      message:
        'AWS_REGION "eu-central-2 " is not an AWS region name (such as "us-east-1" or "eu-central-2"); did you mean "eu-central-2"?',
    },
    {
      raw: "useast1",
      message: 'AWS_REGION "useast1" is not an AWS region name (such as "us-east-1" or "eu-central-2")',
    },
    {
      raw: "Frankfurt",
      message: 'AWS_REGION "Frankfurt" is not an AWS region name (such as "us-east-1" or "eu-central-2")',
    },
  ])("refuses the malformed region $raw", ({ raw, message }) => {
    expect(() => readSettings((n) => (n === "AWS_REGION" ? raw : undefined), kinesisSettings)).toThrow(message);
  });

  it.each(["us-east-1", "us-gov-west-1", "cn-northwest-1", "eusc-de-east-1", "us-isob-east-1", "ap-southeast-7"])(
    "accepts the region %s by its shape",
    (region) => {
      expect(readSettings((n) => (n === "AWS_REGION" ? region : undefined), kinesisSettings).region).toBe(region);
    },
  );

  it.each([
    { name: "an App Services number", raw: 250, value: 250 },
    { name: "an environment variable's text", raw: "250", value: 250 },
    { name: "absent: the default", raw: undefined, value: 500 },
    { name: "empty: the default", raw: "", value: 500 },
  ])("reads $name through one parser", ({ raw, value }) => {
    expect(readCaptureConfig((n) => (n === "SNAPSHOT_CHUNK_SIZE" ? raw : undefined)).snapshotChunkSize).toBe(value);
  });

  it.each(["2.5", "1e3", "0", "abc", " ", "501"])("refuses %j as a whole number from 1 to 500", (raw) => {
    expect(() => readSettings(() => raw, { n: setting("SNAPSHOT_CHUNK_SIZE", wholeNumber(1, 500), 500) })).toThrow(
      raw.trim() === "" && raw !== "" ? /whole number/ : /whole number from 1 to 500/,
    );
  });

  it("derives defaults from other settings: the outbox and signal databases follow the heartbeat database", () => {
    const config = readCaptureConfig((n) => (n === "HEARTBEAT_DATABASE" ? "ops" : undefined));
    expect(config).toMatchObject({ heartbeatDatabase: "ops", outboxDatabase: "ops", signalDatabase: "ops" });
  });

  it.each([
    { name: "nothing set: the defaults", env: {}, value: { port: 8080, host: "0.0.0.0" } },
    {
      name: "port 0 (any free port) and a host",
      env: { PORT: "0", HOST: "127.0.0.1" },
      value: { port: 0, host: "127.0.0.1" },
    },
    { name: "the highest port", env: { PORT: "65535" }, value: { port: 65535, host: "0.0.0.0" } },
  ])("reads the server's PORT and HOST from its table: $name", ({ env, value }) => {
    expect(readSettings((name) => (env as Record<string, string>)[name], listenSettings)).toEqual(value);
  });

  it.each(["65536", "-1", "80.5", "http"])("refuses PORT=%j with the setting's name", (raw) => {
    expect(() => readSettings((name) => (name === "PORT" ? raw : undefined), listenSettings)).toThrow(
      "PORT must be a whole number from 0 to 65535",
    );
  });
});
