import { describe, expect, it } from "vitest";
import { readCaptureConfig } from "../../src/core/capture/config";
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
    expect(read).toThrow('HEARTBEAT_DATABASE must be a database or collection name (1-120 characters, no "$" or NUL)');
  });

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
