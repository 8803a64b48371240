import { Decimal128, Double, Int32, Long } from "bson";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateExportFiles } from "../../scripts/generate-export";
import type { Document } from "../../src/core/ports";
import { EmbeddedStore } from "../../src/embedded/store";
import { readAppExport, type DatabaseTriggerConfig } from "../../src/local/app-export";
import { LocalRuntime } from "../../src/local/runtime";
import { TriggerExpressionError, triggerEventFilter } from "../../src/local/trigger-events";
import { readChangeEvent } from "../helpers/capture";

/*
 * A DATABASE trigger's `match` is a $match stage on its change stream and `project` a $project stage
 * (https://www.mongodb.com/docs/atlas/atlas-ui/triggers/database-triggers/, "Use Match Expressions to
 * Limit Trigger Invocations"; https://www.mongodb.com/docs/manual/changeStreams/#modify-change-stream-output):
 * they see the change event's fields as the change events page names them
 * (https://www.mongodb.com/docs/manual/reference/change-events/), with the query operators' meaning
 * (https://www.mongodb.com/docs/manual/reference/operator/query/). The events are the real-format
 * fixtures, read with their exact BSON types as the runtime's change feed gives them.
 */

const repository = join(import.meta.dirname, "..", "..");
const event = (name: string) => readChangeEvent(name) as unknown as Document;

/** The fixtures' namespace (monitors.reports), every operation type, nothing else configured. */
const reports = (config: Partial<DatabaseTriggerConfig>): DatabaseTriggerConfig => ({
  service_name: "mongodb-atlas",
  database: "monitors",
  collection: "reports",
  operation_types: ["INSERT", "UPDATE", "REPLACE", "DELETE"],
  full_document: true,
  full_document_before_change: false,
  match: {},
  project: {},
  ...config,
});

/** A fixture event with some fields changed (as another write would have produced it). */
function changed(name: string, patch: (e: Document) => void): Document {
  const e = event(name);
  patch(e);
  return e;
}

/** The `match` of a trigger in one of the fixture apps (expressions users wrote in real exports). */
function fixtureMatch(path: string): Record<string, unknown> {
  const file = join(repository, "test/fixtures/apps", path);
  return (JSON.parse(readFileSync(file, "utf8")) as { config: { match: Record<string, unknown> } }).config.match;
}

const fires = (config: DatabaseTriggerConfig, e: Document) => triggerEventFilter(config, "triggers/t.json")(e);

describe("a trigger's match on change events, with the embedded store's matcher", () => {
  const cases: { name: string; config: Partial<DatabaseTriggerConfig>; event: Document; fires: boolean }[] = [
    {
      name: "operationType $in, listed",
      config: { match: { operationType: { $in: ["insert", "replace"] } } },
      event: event("insert"),
      fires: true,
    },
    {
      name: "operationType $in, not listed",
      config: { match: { operationType: { $in: ["insert", "replace"] } } },
      event: event("delete"),
      fires: false,
    },
    {
      name: "operationType $nin",
      config: { match: { operationType: { $nin: ["delete"] } } },
      event: event("delete"),
      fires: false,
    },
    {
      name: "ns.coll, a dotted path",
      config: { match: { "ns.coll": "reports" } },
      event: event("update"),
      fires: true,
    },
    {
      name: "ns as a whole document, exactly",
      config: { match: { ns: { db: "monitors", coll: "reports" } } },
      event: event("update"),
      fires: true,
    },
    {
      name: "ns as a whole document, fields in another order (document equality is exact)",
      config: { match: { ns: { coll: "reports", db: "monitors" } } },
      event: event("update"),
      fires: false,
    },
    {
      name: "ns.coll by $regex",
      config: { match: { "ns.coll": { $regex: "^rep" } } },
      event: event("insert"),
      fires: true,
    },
    {
      name: "fullDocument, a nested dotted path: a Double against an Extended JSON Int32",
      config: { match: { "fullDocument.acceleration.z": { $gt: { $numberInt: "9" } } } },
      event: event("insert"),
      fires: true,
    },
    {
      name: "fullDocument: an Int32 equals the number 1013 whatever its BSON type",
      config: { match: { "fullDocument.pressure": { $numberDouble: "1013.0" } } },
      event: event("insert"),
      fires: true,
    },
    {
      name: "fullDocument: a Long beyond 2^53 compared exactly (…993 is not …995)",
      config: { match: { "fullDocument.counter": { $numberLong: "9007199254740993" } } },
      event: event("update"),
      fires: false,
    },
    {
      name: "fullDocument: a Long beyond 2^53, the same value",
      config: { match: { "fullDocument.counter": { $numberLong: "9007199254740993" } } },
      event: event("insert"),
      fires: true,
    },
    {
      name: "fullDocument: a Decimal128 against a range",
      config: { match: { "fullDocument.temperature": { $gte: 21, $lt: { $numberDecimal: "21.4" } } } },
      event: event("insert"),
      fires: true,
    },
    {
      name: "fullDocument: an array matches through its elements",
      config: { match: { "fullDocument.tags.kind": "nested" } },
      event: event("insert"),
      fires: true,
    },
    {
      name: "documentKey._id, an Extended JSON ObjectId",
      config: { match: { "documentKey._id": { $oid: "6565a1f0c2b4a1d2e3f40516" } } },
      event: event("delete"),
      fires: true,
    },
    {
      name: "a match that does not match: another value",
      config: { match: { "fullDocument.node": "pi-oslo" } },
      event: event("insert"),
      fires: false,
    },
    {
      name: "a match that does not match: a string is not the number it spells",
      config: { match: { "fullDocument.pressure": "1013" } },
      event: event("insert"),
      fires: false,
    },
    {
      name: "an update without full_document carries no fullDocument, so a match on it fails",
      config: { full_document: false, match: { "fullDocument.node": "pi-zürich-東京" } },
      event: event("update"),
      fires: false,
    },
    {
      name: "the same update with full_document",
      config: { match: { "fullDocument.node": "pi-zürich-東京" } },
      event: event("update"),
      fires: true,
    },
    {
      name: "null matches the pre-image a trigger without full_document_before_change does not get",
      config: { database: "app", collection: "users", match: { fullDocumentBeforeChange: null } },
      event: event("options/users-update"),
      fires: true,
    },
    {
      name: "null does not match the pre-image a trigger with full_document_before_change gets",
      config: {
        database: "app",
        collection: "users",
        full_document_before_change: true,
        match: { fullDocumentBeforeChange: null },
      },
      event: event("options/users-update"),
      fires: false,
    },
    {
      name: "updateDescription.updatedFields: $exists",
      config: { match: { "updateDescription.updatedFields.humidity": { $exists: true } } },
      event: event("update"),
      fires: true,
    },
    {
      name: "updateDescription.removedFields: an array holding the name",
      config: { match: { "updateDescription.removedFields": "raw" } },
      event: event("update"),
      fires: true,
    },
    {
      name: "$or over the operation type and a field",
      config: { match: { $or: [{ operationType: "delete" }, { "fullDocument.movement": true }] } },
      event: event("insert"),
      fires: false,
    },
    {
      name: "$type: the Int32 is an int, not a long",
      config: { match: { "fullDocument.pressure": { $type: "long" } } },
      event: event("insert"),
      fires: false,
    },
    {
      name: "an event of another collection never reaches the match",
      config: { match: {} },
      event: changed("insert", (e) => (e.ns = { db: "monitors", coll: "other" })),
      fires: false,
    },
    // The match expressions of the fixture apps' triggers (written as people wrote them in real exports).
    {
      name: "appservices-audit contractAudit: $or with an operationType $eq",
      config: { match: fixtureMatch("appservices-audit/triggers/contractAudit.json") },
      event: event("update"),
      fires: true,
    },
    {
      name: "mug-shop backInStock: fullDocument.stockLevel $gt an Extended JSON 0, a Long 3",
      config: { match: fixtureMatch("published/mug-shop/triggers/backInStock.json") },
      event: changed("replace", (e) => ((e.fullDocument as Document).stockLevel = Long.fromNumber(3))),
      fires: true,
    },
    {
      name: "mug-shop backInStock: stockLevel 0.0 is not above 0",
      config: { match: fixtureMatch("published/mug-shop/triggers/backInStock.json") },
      event: changed("replace", (e) => ((e.fullDocument as Document).stockLevel = new Double(0))),
      fires: false,
    },
    {
      name: "neighbour-delivery orderDone: updateDescription.updatedFields.status",
      config: { match: fixtureMatch("published/neighbour-delivery/triggers/orderDone.json") },
      event: changed("update", (e) => ((e.updateDescription as Document).updatedFields = { status: "done" })),
      fires: true,
    },
    {
      name: "realm-cli-orders wholeShop: $or of an insert or a changed status, a delete",
      config: { match: fixtureMatch("realm-cli-orders/triggers/wholeShop.json") },
      event: event("delete"),
      fires: false,
    },
    {
      name: "realm-cli-orders wholeShop: an update changing status",
      config: { match: fixtureMatch("realm-cli-orders/triggers/wholeShop.json") },
      event: changed("update", (e) => ((e.updateDescription as Document).updatedFields = { status: new Int32(2) })),
      fires: true,
    },
  ];
  it.each(cases)("$name", ({ config, event: e, fires: expected }) => {
    expect(fires(reports(config), e) !== undefined).toBe(expected);
  });

  it("hands the function the event with its exact BSON types (the match reads them, it does not convert them)", () => {
    const delivered = fires(reports({ match: { "fullDocument.pressure": 1013 } }), event("insert"))!;
    const full = delivered.fullDocument as Document;
    expect(full.pressure).toBeInstanceOf(Int32);
    expect(full.counter).toEqual(Long.fromString("9007199254740993"));
    expect(full.temperature).toBeInstanceOf(Decimal128);
  });
});

describe("a trigger's project on change events", () => {
  it("an exclusion through documents and arrays, numbers written as Extended JSON", () => {
    const project = {
      "fullDocument.acceleration.x": { $numberInt: "0" },
      "fullDocument.tags.kind": { $numberInt: "0" },
    };
    const out = fires(reports({ project }), event("insert"))!;
    expect((out.fullDocument as Document).acceleration).toEqual({ y: new Double(-0.02), z: new Double(9.81) });
    expect((out.fullDocument as Document).tags).toEqual(["☃", new Int32(7), {}]);
    expect(out._id).toEqual(event("insert")._id);
  });

  it("_id set to itself is kept, as a change stream allows", () => {
    const out = fires(reports({ project: { _id: "$_id", operationType: 1 } }), event("delete"))!;
    expect(out).toEqual({ _id: event("delete")._id, operationType: "delete" });
  });

  it("an inclusion keeps _id, the resume token", () => {
    const out = fires(reports({ project: { operationType: 1, "ns.coll": 1 } }), event("delete"))!;
    expect(out).toEqual({ _id: event("delete")._id, operationType: "delete", ns: { coll: "reports" } });
  });

  it("the generated capture trigger's project removes the excluded fields, the match left to the function", () => {
    const list = 'app.users,ordered,exclude=ssn|profile.email|cards.number,"match={""region"": ""eu""}"\n';
    const trigger = JSON.parse(generateExportFiles(list).get("triggers/capture_app_users.json")!) as {
      config: DatabaseTriggerConfig;
    };
    expect(trigger.config.match).toEqual({});
    const out = triggerEventFilter(trigger.config, "triggers/capture_app_users.json")(event("options/users-replace"))!;
    const full = out.fullDocument as Document;
    expect(full).not.toHaveProperty("ssn");
    expect(full.profile).not.toHaveProperty("email");
    expect((full.cards as Document[]).every((card) => !("number" in card))).toBe(true);
    // The event a document outside the capture match makes still reaches the function (it publishes a delete).
    const outside = changed("options/users-replace", (e) => ((e.fullDocument as Document).region = "us"));
    expect(triggerEventFilter(trigger.config, "triggers/capture_app_users.json")(outside)).toBeDefined();
  });
});

describe("what the local runtime cannot apply is refused when the trigger is loaded, naming the file and the operator", () => {
  const refusals: { name: string; config: Partial<DatabaseTriggerConfig>; says: RegExp }[] = [
    { name: "$where", config: { match: { $where: "this.a > 1" } }, says: /config\.match: .*\$where/ },
    {
      name: "$expr",
      config: { match: { $expr: { $eq: ["$operationType", "insert"] } } },
      says: /config\.match: .*\$expr/,
    },
    {
      name: "$near on a field",
      config: { match: { "fullDocument.at": { $near: [0, 0] } } },
      says: /config\.match: .*\$near/,
    },
    {
      name: "an operator MongoDB does not know",
      config: { match: { operationType: { $in2: ["insert"] } } },
      says: /config\.match: not a valid \$match stage: unknown operator: \$in2/,
    },
    {
      name: "an aggregation expression in project",
      config: { project: { label: { $concat: ["$ns.db", ".", "$ns.coll"] } } },
      says: /config\.project: .*\$concat/,
    },
    {
      name: "a project changing _id, the resume token",
      config: { project: { _id: "$documentKey" } },
      says: /config\.project: "_id" would remove or change the event's _id/,
    },
    {
      name: "a project removing a part of _id",
      config: { project: { "_id._data": 0 } },
      says: /config\.project: "_id\._data" would remove or change the event's _id/,
    },
    {
      name: "a project removing _id, the resume token",
      config: { project: { _id: { $numberInt: "0" } } },
      says: /config\.project: "_id" would remove or change the event's _id/,
    },
  ];
  it.each(refusals)("$name", ({ config, says }) => {
    const error = (() => {
      try {
        triggerEventFilter(reports(config), "triggers/orders.json");
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TriggerExpressionError);
    expect((error as Error).message).toMatch(/^triggers\/orders\.json: /);
    expect((error as Error).message).toMatch(says);
  });

  const roots: string[] = [];
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  /** A copy of the repository's export plus one trigger file. */
  function exportWithTrigger(file: string, trigger: object): string {
    const root = mkdtempSync(join(tmpdir(), "akb-trigger-match-"));
    roots.push(root);
    for (const part of ["realm_config.json", "data_sources", "functions", "http_endpoints", "triggers", "values"])
      cpSync(join(repository, part), join(root, part), { recursive: true });
    mkdirSync(join(root, "triggers"), { recursive: true });
    writeFileSync(join(root, "triggers", file), JSON.stringify(trigger));
    return root;
  }
  const custom = (disabled: boolean) => ({
    name: "ordersByScript",
    type: "DATABASE",
    disabled,
    config: reports({ match: { $where: "this.total > 10" } }),
    event_processors: { FUNCTION: { config: { function_name: "publishChangeToKinesis" } } },
  });

  it("the runtime does not start: the error names the trigger's file and $where", async () => {
    const root = exportWithTrigger("ordersByScript.json", custom(false));
    const store = new EmbeddedStore();
    await expect(LocalRuntime.start({ root, dataSource: store, secrets: {} })).rejects.toThrow(
      /^triggers\/ordersByScript\.json: config\.match: the local runtime does not apply the query operator \$where/,
    );
  });

  it("a disabled trigger is not run, so its match is not evaluated and does not stop the runtime", () => {
    const root = exportWithTrigger("ordersByScript.json", custom(true));
    expect(readAppExport(root).triggers.map((t) => t.name)).toContain("ordersByScript");
  });

  it("every trigger the repository generates loads", () => {
    const app = readAppExport(repository);
    expect(app.triggers.filter((t) => t.type === "DATABASE").length).toBeGreaterThanOrEqual(2);
  });
});
