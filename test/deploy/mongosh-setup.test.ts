import { captureSettings } from "../../src/core/capture/config";
import {
  DELETE_POSITION_RETENTION_S,
  firehoseDefaults,
  firehoseSettings,
  RECONCILE_RETENTION_S,
} from "../../src/core/firehose/config";
import { DELETE_POSITIONS_TTL_INDEX, RECONCILES_TTL_INDEX } from "../../src/adapters/mongodb/mirror-indexes";
import { readFileSync } from "node:fs";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";

const script = readFileSync("mongodb/setup-database-user.js", "utf8");

/** Runs the mongosh script against a recording fake `db`. */
function runSetup(env: Record<string, string>, host = "mongodb://127.0.0.1:27017") {
  const calls: { op: string; args: unknown[] }[] = [];
  const printed: string[] = [];
  const collections = new Map<string, Set<string>>();
  const database = (name: string): unknown => ({
    getCollectionNames: () => [...(collections.get(name) ?? [])],
    createCollection: (coll: string) => {
      calls.push({ op: "createCollection", args: [`${name}.${coll}`] });
      collections.set(name, new Set([...(collections.get(name) ?? []), coll]));
    },
    getCollection: (coll: string) => ({
      createIndex: (...args: unknown[]) => calls.push({ op: "createIndex", args: [`${name}.${coll}`, ...args] }),
    }),
    getRole: () => null,
    getUser: () => null,
    createRole: (role: unknown) => calls.push({ op: "createRole", args: [role] }),
    createUser: (user: unknown) => calls.push({ op: "createUser", args: [user] }),
    getSiblingDB: (other: string) => database(other),
    getMongo: () => ({ toString: () => host }),
  });
  runInNewContext(script, { db: database("test"), print: (text: string) => printed.push(text), process: { env } });
  return { calls, printed };
}

describe("mongodb/setup-database-user.js", () => {
  it("creates a role with exactly read on captured collections and read-write on the bridge's own collections", () => {
    const { calls } = runSetup({ BRIDGE_PASSWORD: "pw", CAPTURED: "monitors.reports,app.orders" });
    const role = calls.find((c) => c.op === "createRole")!.args[0] as {
      role: string;
      privileges: { resource: { db: string; collection: string }; actions: string[] }[];
      roles: unknown[];
    };
    expect(role.roles).toEqual([]);
    const granted = Object.fromEntries(
      role.privileges.map((p) => [`${p.resource.db}.${p.resource.collection}`, p.actions]),
    );
    const rw = ["find", "insert", "update", "remove"];
    expect(granted).toEqual({
      "monitors.reports": ["find", "changeStream"],
      "app.orders": ["find", "changeStream"],
      "streamkap.streamkap_heartbeat": rw,
      "streamkap.streamkap_signal": rw,
      "streamkap.kinesis_outbox": rw,
      "streamkap.kinesis_status": rw,
      "monitors.firehose": rw,
      [`monitors.${firehoseDefaults.deadLetterCollection}`]: rw,
      "monitors.firehose_heartbeats": rw,
      "monitors.firehose_deletes": rw,
      "monitors.firehose_reconciles": rw,
    });
    expect(calls.find((c) => c.op === "createUser")!.args[0]).toEqual({
      user: "atlas-kinesis-bridge",
      pwd: "pw",
      roles: [{ role: "atlasKinesisBridge", db: "admin" }],
    });
    expect(calls.filter((c) => c.op === "createCollection")).toHaveLength(11);
    // The same TTL index the runtime creates on the embedded store, with the same retention.
    expect(calls).toContainEqual({
      op: "createIndex",
      args: [
        "monitors.firehose_deletes",
        { deletedAt: 1 },
        { expireAfterSeconds: DELETE_POSITION_RETENTION_S, name: DELETE_POSITIONS_TTL_INDEX },
      ],
    });
    expect(calls).toContainEqual({
      op: "createIndex",
      args: [
        "monitors.firehose_reconciles",
        { at: 1 },
        { expireAfterSeconds: RECONCILE_RETENTION_S, name: RECONCILES_TTL_INDEX },
      ],
    });
  });

  it("defaults every collection the bridge writes as the settings tables do (the script cannot import them)", () => {
    const defaults = new Map(
      [...Object.values(firehoseSettings), ...Object.values(captureSettings)].map((s) => [s.name, s.fallback]),
    );
    const written = [...script.matchAll(/env\.([A-Z_]+) \|\| "([^"]*)"/g)].filter(([, name]) => defaults.has(name));
    expect(written.map(([, name]) => name)).toContain("FIREHOSE_DEAD_LETTER_COLLECTION");
    for (const [, name, fallback] of written)
      expect({ name, fallback }).toEqual({ name, fallback: defaults.get(name) });
  });

  it('grants a whole captured database as the resource {db, collection: ""}', () => {
    const { calls } = runSetup({ BRIDGE_PASSWORD: "pw", CAPTURED: "app.*" });
    const role = calls.find((c) => c.op === "createRole")!.args[0] as {
      privileges: { resource: { db: string; collection: string }; actions: string[] }[];
    };
    expect(role.privileges).toContainEqual({
      resource: { db: "app", collection: "" },
      actions: ["find", "changeStream"],
    });
    expect(() => runSetup({ CAPTURED: "monitors.*" })).toThrow(
      "monitors.firehose is both captured and written by the bridge",
    );
  });

  it("refuses a capture list that includes a collection the bridge writes (an endless loop)", () => {
    expect(() => runSetup({ CAPTURED: "monitors.firehose" })).toThrow(
      "monitors.firehose is both captured and written by the bridge",
    );
  });

  it("on Atlas prints the Atlas CLI commands instead of calling createUser", () => {
    const { calls, printed } = runSetup({ BRIDGE_PASSWORD: "pw" }, "mongodb+srv://cluster0.abcde.mongodb.net");
    expect(calls.some((c) => c.op === "createRole" || c.op === "createUser")).toBe(false);
    expect(printed.join("\n")).toMatch(
      /atlas customDbRoles create atlasKinesisBridge --privilege FIND@monitors.reports --privilege CHANGESTREAM@monitors.reports/,
    );
  });
});
