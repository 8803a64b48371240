import { EJSON } from "bson";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateExportFiles } from "../../scripts/generate-export";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { maskValue } from "../../src/core/capture/shaping/mask-value";
import type { Document } from "../../src/core/ports";
import { receiveFirehoseDelivery } from "../../src/core/firehose/receive-delivery";
import { EmbeddedStore } from "../../src/embedded/store";
import { readAppExport, type DatabaseTriggerConfig } from "../../src/local/app-export";
import { startKinesisEmulator, type KinesisEmulator } from "../../src/local/kinesis-emulator";
import { LocalRuntime } from "../../src/local/runtime";
import { triggerEventFilter } from "../../src/local/trigger-events";
import { MASK_KEY, SECRETS } from "../helpers/capture-options";
import { readChangeEvent } from "../helpers/capture";
import { makeFirehoseDeps, TEST_ACCESS_KEY } from "../helpers/firehose";

const repository = join(import.meta.dirname, "..", "..");
const LIST =
  'monitors.reports\napp.users,ordered,exclude=ssn|profile.email|cards.number,mask=phone,"match={""region"": ""eu""}"\n';

/** A copy of the export whose capture list is LIST, its triggers and values generated as `npm run build` does. */
function exportWithOptions(): string {
  const root = mkdtempSync(join(tmpdir(), "akb-options-export-"));
  for (const part of ["realm_config.json", "data_sources", "functions", "http_endpoints", "triggers", "values"])
    cpSync(join(repository, part), join(root, part), { recursive: true });
  for (const [path, content] of generateExportFiles(LIST)) writeFileSync(join(root, path), content);
  return root;
}

const user = (id: string, region: string, n: number) => ({
  _id: id,
  name: `user ${n}`,
  region,
  ssn: "010190-12345",
  phone: "+47 555 01 01",
  profile: { email: "ase@example.no", city: "Tromsø" },
  cards: [{ brand: "visa", number: "4111111111111111" }],
  visits: n,
});

/** What the mirror must hold for a source document: excluded paths gone, the phone masked (field order kept). */
function expectedMirror(source: Document): Document {
  const out: Document = {};
  for (const [name, value] of Object.entries(source)) {
    if (name === "ssn") continue;
    if (name === "phone") out.phone = maskValue(value, MASK_KEY, nodeBson);
    else if (name === "profile") {
      const { email: _email, ...kept } = value as Document;
      out.profile = kept;
    } else if (name === "cards") out.cards = (value as Document[]).map(({ number: _number, ...card }) => card);
    else out[name] = value;
  }
  return out;
}

describe("capture options end to end: trigger (local runtime) -> built functions -> kinesalite -> webhook -> exact mirror", () => {
  let emulator: KinesisEmulator;
  let root: string;
  beforeAll(async () => {
    emulator = await startKinesisEmulator({ engine: "kinesalite" });
    root = exportWithOptions();
  });
  afterAll(async () => {
    await emulator?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("the generated trigger's project removes excluded fields before the function runs, as App Services would", () => {
    const trigger = readAppExport(root).triggers.find((t) => t.name === "capture_app_users");
    const filter = triggerEventFilter(trigger!.config as DatabaseTriggerConfig, "triggers/capture_app_users.json");
    const event = filter(readChangeEvent("options/users-update") as unknown as Document) as Document & {
      fullDocument: Document;
      updateDescription: { updatedFields: Document };
    };
    expect(event.operationType).toBe("update");
    expect(event.fullDocument).not.toHaveProperty("ssn");
    expect(event.fullDocument.profile).toEqual({});
    expect(event.fullDocument.cards).toEqual([{ brand: "visa" }, { brand: "mastercard" }]);
    // A dotted key of the update description is beyond a projection: the function removes it.
    expect(event.updateDescription.updatedFields).toHaveProperty(["profile.email"]);
  });

  it("documents moving in and out of the match: the mirror ends with exactly the matching documents, shaped; a backfill adds nothing else", async () => {
    const stream = "options-mirror";
    await emulator.createStream(stream, 2);
    const store = new EmbeddedStore();
    const runtime = await LocalRuntime.start({
      root,
      dataSource: store,
      secrets: { captureMaskKey: MASK_KEY },
      valueOverrides: {
        KINESIS_STREAM_NAME: stream,
        KINESIS_ENDPOINT: emulator.endpoint,
        AWS_REGION: emulator.region,
        AWS_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: emulator.credentials.secretAccessKey,
      },
      functionConsole: { log() {}, info() {}, warn() {}, error() {} },
    });
    try {
      const users = store.db("app").collection("users");
      await users.insertMany([user("u1", "eu", 1), user("u2", "us", 2), user("u3", "eu", 3), user("u4", "us", 4)]);
      await users.updateOne({ _id: "u1" }, { $set: { "profile.email": "new@example.no", phone: "+47 555 01 99" } });
      await users.updateOne({ _id: "u2" }, { $set: { region: "eu" } }); // moves in: its full document
      await users.updateOne({ _id: "u3" }, { $set: { region: "us" } }); // moves out: a delete
      await users.updateOne({ _id: "u3" }, { $set: { name: "still outside" } }); // outside, untouched: nothing
      await users.updateOne({ _id: "u2" }, { $inc: { visits: 1 }, $unset: { ssn: "" } });
      await users.replaceOne({ _id: "u4" }, { ...user("u4", "eu", 40), name: "replaced in" }); // moves in by replace
      await users.insertOne(user("u5", "us", 5));
      await users.deleteOne({ _id: "u5" }); // a delete of a document the mirror never had
      await users.deleteOne({ _id: "u1" });
      await runtime.idle();

      const records = (await emulator.readAll(stream)).filter(
        (r) => JSON.parse(r.data.toString("utf8")).ns.coll === "users",
      );
      const texts = records.map((r) => r.data.toString("utf8"));
      expect(texts.flatMap((text) => SECRETS.filter((secret) => text.includes(secret)))).toEqual([]);
      const summary = texts.map((text) => {
        const r = JSON.parse(text);
        return `${r.operationType} ${r.documentKey._id}${r._akb?.outOfMatch ? " (left the match)" : ""}`;
      });
      expect(summary.sort()).toEqual(
        [
          "insert u1",
          "insert u3",
          "update u1",
          "update u2",
          "delete u3 (left the match)",
          "update u2",
          "replace u4",
          "delete u5",
          "delete u1",
        ].sort(),
      );

      // Firehose delivers the stream to the webhook (twice, as after a lost answer).
      const deps = makeFirehoseDeps();
      const deliver = async (requestId: string, batch: typeof records) => {
        const body = { requestId, records: batch.map((r) => ({ data: r.data.toString("base64") })) };
        const response = await receiveFirehoseDelivery(
          {
            method: "POST",
            headers: { "X-Amz-Firehose-Request-Id": requestId, "X-Amz-Firehose-Access-Key": TEST_ACCESS_KEY },
            body: Buffer.from(JSON.stringify(body)),
          },
          deps,
        );
        expect(response.status).toBe(200);
      };
      await deliver("live", records);
      await deliver("live", records);
      const mirror = deps.store.db("monitors").collection("firehose");
      const mirrored = async () =>
        (await mirror.find({}).sort({ _id: 1 }).toArray()).map(({ _akb, ...document }) => document);
      const matching = (await users.find({ region: "eu" }).sort({ _id: 1 }).toArray()) as Document[];
      expect(matching.map((d) => d._id)).toEqual(["u2", "u4"]);
      expect(EJSON.stringify(await mirrored())).toBe(EJSON.stringify(matching.map(expectedMirror)));

      // A backfill through the built runSnapshot.js: reads of matching documents only, shaped alike.
      await store
        .db("streamkap")
        .collection("streamkap_signal")
        .insertOne({ _id: "backfill", type: "execute-snapshot", data: { "data-collections": ["app.users"] } });
      await runtime.idle();
      expect(await store.db("streamkap").collection("streamkap_signal").findOne({ _id: "backfill" })).toMatchObject({
        status: "done",
      });
      const reads = (await emulator.readAll(stream)).filter(
        (r) => JSON.parse(r.data.toString()).operationType === "read",
      );
      expect(reads.map((r) => JSON.parse(r.data.toString()).documentKey._id).sort()).toEqual(["u2", "u4"]);
      expect(reads.flatMap((r) => SECRETS.filter((secret) => r.data.toString().includes(secret)))).toEqual([]);
      await deliver("backfill", reads);
      expect(EJSON.stringify(await mirrored())).toBe(EJSON.stringify(matching.map(expectedMirror)));
    } finally {
      await runtime.stop();
    }
  });
});
