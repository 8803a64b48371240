import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../src/embedded/store";
import { LocalRuntime } from "../../src/local/runtime";
import { httpRequest } from "../helpers/http";

/** A tiny export with hand-written functions, to check the runtime's behaviour in isolation. */
function exportWith(triggers: object[], extra: { secretsFile?: object } = {}): string {
  const root = mkdtempSync(join(tmpdir(), "akb-runtime-"));
  for (const dir of ["functions", "triggers", "values", "http_endpoints"]) mkdirSync(join(root, dir));
  writeFileSync(join(root, "realm_config.json"), JSON.stringify({ config_version: 20210101, name: "test-app" }));
  writeFileSync(
    join(root, "functions/config.json"),
    JSON.stringify([{ name: "record" }, { name: "echo" }, { name: "callOther" }]),
  );
  // Each function records what it got, through the same context the real ones use.
  writeFileSync(
    join(root, "functions/record.js"),
    `exports = async function (event) {
    await context.services.get("mongodb-atlas").db("log").collection("calls").insertOne({ event: event === undefined ? null : event, secret: context.values.get("SECRET_VALUE") || null, plain: context.values.get("PLAIN") });
  };`,
  );
  writeFileSync(
    join(root, "functions/echo.js"),
    `exports = function (request, response) {
    response.setStatusCode(201);
    response.setHeader("Content-Type", "application/json");
    response.setBody(JSON.stringify({ method: request.httpMethod, body: request.body ? request.body.text() : null, header: request.headers["X-Test"] }));
  };`,
  );
  writeFileSync(
    join(root, "functions/callOther.js"),
    `exports = async function () { return context.functions.execute("record", { via: "execute" }); };`,
  );
  writeFileSync(
    join(root, "http_endpoints/config.json"),
    JSON.stringify([
      { route: "/echo", http_method: "POST", function_name: "echo", validation_method: "NO_VALIDATION" },
    ]),
  );
  writeFileSync(
    join(root, "values/SECRET_VALUE.json"),
    JSON.stringify({ name: "SECRET_VALUE", from_secret: true, value: "mySecret" }),
  );
  writeFileSync(
    join(root, "values/PLAIN.json"),
    JSON.stringify({ name: "PLAIN", from_secret: false, value: "plain-value" }),
  );
  triggers.forEach((t, i) => writeFileSync(join(root, "triggers", `t${i}.json`), JSON.stringify(t)));
  if (extra.secretsFile) writeFileSync(join(root, "local-secrets.json"), JSON.stringify(extra.secretsFile));
  return root;
}

const databaseTrigger = (config: object) => ({
  name: "watch",
  type: "DATABASE",
  disabled: false,
  config: {
    service_name: "mongodb-atlas",
    database: "app",
    collection: "items",
    operation_types: ["INSERT", "UPDATE"],
    full_document: false,
    match: {},
    project: {},
    unordered: false,
    ...config,
  },
  event_processors: { FUNCTION: { config: { function_name: "record" } } },
});

const runtimes: LocalRuntime[] = [];
afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((r) => r.stop()));
});

async function start(
  root: string,
  store: EmbeddedStore,
  options: { httpPort?: number; scheduleEveryMs?: number } = {},
) {
  const runtime = await LocalRuntime.start({
    root,
    dataSource: store,
    functionConsole: { log() {}, info() {}, warn() {}, error() {} },
    ...options,
  });
  runtimes.push(runtime);
  return runtime;
}

describe("LocalRuntime", () => {
  it("fires DATABASE triggers for the configured operation types only, without fullDocument on updates unless asked", async () => {
    const store = new EmbeddedStore();
    const runtime = await start(exportWith([databaseTrigger({})]), store);
    const items = store.db("app").collection("items");
    await items.insertOne({ _id: 1, v: 1 });
    await items.updateOne({ _id: 1 }, { $set: { v: 2 } });
    await items.deleteOne({ _id: 1 }); // DELETE is not configured
    await store.db("app").collection("other").insertOne({ _id: 9 }); // another collection
    await runtime.idle();
    const calls = (await store.db("log").collection("calls").find({}).toArray()) as { event: any }[];
    expect(calls.map((c) => c.event.operationType)).toEqual(["insert", "update"]);
    expect(calls[0].event.fullDocument).toEqual({ _id: 1, v: 1 });
    expect(calls[1].event.fullDocument).toBeUndefined();
    expect(calls[1].event.updateDescription.updatedFields).toEqual({ v: 2 });
    expect(calls[0].event).toMatchObject({ ns: { db: "app", coll: "items" }, documentKey: { _id: 1 } });
  });

  it("fires a database-level trigger (no collection) for every collection of its database only", async () => {
    const store = new EmbeddedStore();
    const trigger = databaseTrigger({});
    delete (trigger.config as { collection?: string }).collection;
    const runtime = await start(exportWith([trigger]), store);
    await store.db("app").collection("items").insertOne({ _id: 1 });
    await store.db("app").collection("orders").insertOne({ _id: 2 });
    await store.db("other").collection("items").insertOne({ _id: 3 });
    await runtime.idle();
    const calls = (await store.db("log").collection("calls").find({}).toArray()) as { event: any }[];
    expect(calls.map((c) => `${c.event.ns.db}.${c.event.ns.coll}`)).toEqual(["app.items", "app.orders"]);
  });

  it("honours match (Extended JSON numbers as exports write them) and project", async () => {
    const store = new EmbeddedStore();
    const trigger = databaseTrigger({
      full_document: true,
      match: { "fullDocument.v": { $gt: { $numberInt: "5" } } },
      project: { operationType: { $numberInt: "1" }, "fullDocument.v": { $numberInt: "1" } },
    });
    const runtime = await start(exportWith([trigger]), store);
    await store
      .db("app")
      .collection("items")
      .insertMany([
        { _id: 1, v: 3, x: "a" },
        { _id: 2, v: 7, x: "b" },
      ]);
    await runtime.idle();
    const calls = await store.db("log").collection("calls").find({}).toArray();
    expect(calls.map((c) => c.event)).toEqual([
      { _id: expect.anything(), operationType: "insert", fullDocument: { v: 7 } },
    ]);
  });

  it("runs SCHEDULED triggers without arguments and without overlapping", async () => {
    const store = new EmbeddedStore();
    const scheduled = {
      name: "tick",
      type: "SCHEDULED",
      config: { schedule: "* * * * *" },
      event_processors: { FUNCTION: { config: { function_name: "record" } } },
    };
    const runtime = await start(exportWith([scheduled]), store, { scheduleEveryMs: 30 });
    await new Promise((r) => setTimeout(r, 200));
    await runtime.stop();
    const calls = await store.db("log").collection("calls").find({}).toArray();
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((c) => c.event === null)).toBe(true);
  });

  it("runs SCHEDULED triggers on their cron schedule (croner, UTC)", async () => {
    const store = new EmbeddedStore();
    // croner accepts an optional seconds field; App Services schedules have five fields (checked by npm run check).
    const everySecond = {
      name: "tick",
      type: "SCHEDULED",
      config: { schedule: "* * * * * *" },
      event_processors: { FUNCTION: { config: { function_name: "record" } } },
    };
    const runtime = await start(exportWith([everySecond]), store);
    const deadline = Date.now() + 5000;
    while ((await store.db("log").collection("calls").countDocuments()) === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await runtime.stop();
    expect(await store.db("log").collection("calls").countDocuments()).toBeGreaterThanOrEqual(1);
  });

  it("resolves values and secrets (local-secrets.json) and reports secrets it cannot find", async () => {
    const store = new EmbeddedStore();
    const withSecret = await start(exportWith([], { secretsFile: { mySecret: "s3cr3t" } }), store);
    await withSecret.execute("callOther");
    expect(await store.db("log").collection("calls").findOne({})).toMatchObject({
      event: { via: "execute" },
      secret: "s3cr3t",
      plain: "plain-value",
    });
    const without = await start(exportWith([]), new EmbeddedStore());
    expect(without.missingSecrets).toEqual(['SECRET_VALUE (secret "mySecret")']);
  });

  it("serves endpoint routes with App Services' request shape and the function's response", async () => {
    const runtime = await start(exportWith([]), new EmbeddedStore(), { httpPort: 0 });
    const ok = await httpRequest(`${runtime.endpointUrl}/echo`, { body: "héllo", headers: { "X-Test": "yes" } });
    expect(ok.status).toBe(201);
    expect(JSON.parse(ok.body)).toEqual({ method: "POST", body: "héllo", header: ["yes"] });
    expect((await httpRequest(`${runtime.endpointUrl}/nowhere`, { body: "" })).status).toBe(404);
    expect((await httpRequest(`${runtime.endpointUrl}/echo`, { method: "GET" })).status).toBe(404);
  });

  it("refuses an export whose trigger names a function that does not exist", async () => {
    const root = exportWith([
      { ...databaseTrigger({}), event_processors: { FUNCTION: { config: { function_name: "missing" } } } },
    ]);
    await expect(LocalRuntime.start({ root, dataSource: new EmbeddedStore() })).rejects.toThrow(
      // The file the trigger is in (exportWith names it t0.json), whatever the trigger's name.
      'triggers/t0.json: function "missing" is not in functions/config.json',
    );
  });

  describe("suspending a DATABASE trigger as Atlas does", () => {
    async function suspended(historyLost: boolean) {
      const store = new EmbeddedStore();
      const runtime = await start(
        exportWith([databaseTrigger({ operation_types: ["INSERT", "UPDATE", "DELETE"] })]),
        store,
      );
      const items = store.db("app").collection("items");
      const calls = store.db("log").collection("calls");
      await items.insertOne({ _id: 1 });
      await runtime.idle();
      const state = runtime.suspendTrigger("watch", { historyLost });
      // The gap: an insert, an update and a delete, none delivered while suspended.
      await items.insertOne({ _id: 2 });
      await items.updateOne({ _id: 1 }, { $set: { v: 1 } });
      await items.deleteOne({ _id: 2 });
      await runtime.idle();
      const delivered = async () =>
        ((await calls.find({}).toArray()) as { event: { operationType: string; documentKey: { _id: number } } }[]).map(
          (c) => `${c.event.operationType} ${c.event.documentKey._id}`,
        );
      return { runtime, items, state, delivered };
    }

    it("delivers nothing while suspended, and lists it with its error and what it dropped", async () => {
      const { runtime, state, delivered } = await suspended(true);
      expect(await delivered()).toEqual(["insert 1"]);
      expect(state).toMatchObject({
        name: "watch",
        state: "suspended",
        historyLost: true,
        errorCode: "ChangeStreamHistoryLost",
        dropped: { insert: 1, update: 1, delete: 1 },
      });
      expect(state.error).toMatch(/ChangeStreamHistoryLost/);
      expect(runtime.listDatabaseTriggers().map((t) => [t.name, t.state, t.id])).toEqual([
        ["watch", "suspended", expect.stringMatching(/^[0-9a-f]{24}$/)],
      ]);
    });

    it("history lost: a resume from the token leaves it suspended; without the token, only new events come", async () => {
      const { runtime, items, state, delivered } = await suspended(true);
      runtime.resumeTrigger(state.id, { disableToken: false });
      expect(state.state).toBe("suspended");
      runtime.resumeTrigger("watch", { disableToken: true });
      expect(state).toMatchObject({ state: "running", error: undefined });
      await items.insertOne({ _id: 3 });
      await runtime.idle();
      expect(await delivered()).toEqual(["insert 1", "insert 3"]); // the gap is gone for good
    });

    it("history kept (an invalidate): a resume from the token delivers the gap's events, in order", async () => {
      const { runtime, items, state, delivered } = await suspended(false);
      runtime.resumeTrigger(state.id, { disableToken: false });
      expect(state.state).toBe("running");
      await items.insertOne({ _id: 3 });
      await runtime.idle();
      expect(await delivered()).toEqual(["insert 1", "insert 2", "update 1", "delete 2", "insert 3"]);
    });

    it("an unknown trigger is not resumed", async () => {
      const { runtime } = await suspended(true);
      expect(runtime.resumeTrigger("nope", { disableToken: true })).toBeUndefined();
      expect(() => runtime.suspendTrigger("nope")).toThrow('no DATABASE trigger "nope"');
    });
  });
});
