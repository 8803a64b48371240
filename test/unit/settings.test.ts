import { describe, expect, it } from "vitest";
import { readCaptureConfig } from "../../src/core/capture/config";
import { readFirehoseConfig } from "../../src/core/firehose/config";
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
});
