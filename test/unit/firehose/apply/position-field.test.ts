import { describe, expect, it } from "vitest";
import { receiveFirehoseDelivery } from "../../../../src/core/firehose/receive-delivery";
import { LEGACY_CHANGE_KIND } from "../../../../src/core/firehose/formats/legacy-change";
import { deadLettersIn } from "../../../helpers/dead-letters";
import { makeFirehoseDeps } from "../../../helpers/firehose";
import { firehoseRequest } from "../../../helpers/mirror-model";

/*
 * `_akb` is the webhook's own field (docs/record-format.md): it keeps each mirrored document's
 * change position there, and a write is applied only when newer. A record that brings one could
 * plant a position no change ever passes, freezing its document, so it is dead-lettered.
 */

const NS = { db: "app", coll: "things" };
const TOKEN = (n: number) => ({ _data: `82${n.toString(16).padStart(8, "0")}000000012B0229296E04` });
const change = (n: number, fields: Record<string, unknown>) => ({
  _id: TOKEN(n),
  operationType: "insert",
  clusterTime: { $timestamp: { t: n, i: 1 } },
  ns: NS,
  documentKey: { _id: "victim" },
  ...fields,
});
const PLANTED = { pos: "ffffffffffffffff:zzz", ns: "app.things" };

async function deliver(records: unknown[], requestId = "pos-1") {
  const deps = makeFirehoseDeps();
  const response = await receiveFirehoseDelivery(
    firehoseRequest(
      requestId,
      records.map((record) => JSON.stringify(record)),
    ),
    deps,
  );
  return { deps, response, letters: await deadLettersIn(deps.store).list() };
}

describe("a record that brings _akb is dead-lettered (position_field_reserved)", () => {
  it.each([
    ["a plain document", { _id: "victim", v: "planted", _akb: PLANTED }, /^the document brings _akb/],
    ["a plain document with _akb of another type", { _id: "victim", _akb: 1 }, /^the document brings _akb/],
    [
      "a change event's fullDocument",
      change(5, { fullDocument: { _id: "victim", _akb: PLANTED } }),
      /^fullDocument brings _akb/,
    ],
    [
      "a legacy change record's fullDocument",
      { kind: LEGACY_CHANGE_KIND, ...change(5, { fullDocument: { _id: "victim", _akb: PLANTED } }) },
      /^fullDocument brings _akb/,
    ],
    [
      "an update that sets the position",
      change(5, {
        operationType: "update",
        updateDescription: { updatedFields: { "_akb.pos": PLANTED.pos }, removedFields: [] },
      }),
      /^updateDescription brings _akb/,
    ],
    [
      "an update that removes it",
      change(5, { operationType: "update", updateDescription: { updatedFields: {}, removedFields: ["_akb"] } }),
      /^updateDescription brings _akb/,
    ],
  ])("%s", async (_name, record, reason) => {
    const { response, letters, deps } = await deliver([record, { _id: "other", v: 1 }]);
    expect(response.status).toBe(200);
    expect(letters.map(({ index, reasonCode }) => ({ index, reasonCode }))).toEqual([
      { index: 0, reasonCode: "position_field_reserved" },
    ]);
    expect(letters[0].reason).toMatch(reason);
    expect(await deps.store.db("monitors").collection("firehose").find({}).toArray()).toEqual([{ _id: "other", v: 1 }]);
  });

  it("so the document the issue froze keeps taking its changes", async () => {
    const deps = makeFirehoseDeps();
    const planted = firehoseRequest("plant", [JSON.stringify({ _id: "victim", v: "planted", _akb: PLANTED })]);
    expect((await receiveFirehoseDelivery(planted, deps)).status).toBe(200);
    const later = firehoseRequest("later", [JSON.stringify(change(7, { fullDocument: { _id: "victim", v: "real" } }))]);
    expect((await receiveFirehoseDelivery(later, deps)).status).toBe(200);
    const [stored] = await deps.store.db("monitors").collection("firehose").find({}).toArray();
    expect(stored).toMatchObject({ _id: "victim", v: "real", _akb: { ns: "app.things" } });
    expect((stored._akb as { pos: string }).pos).not.toBe(PLANTED.pos);
  });

  it.each([
    ["nested in a document", { _id: "n", a: { _akb: PLANTED } }],
    ["nested in a change's full document", change(5, { fullDocument: { _id: "victim", a: [{ _akb: 1 }] } })],
    [
      "the producer's own _akb beside a change event",
      change(5, { fullDocument: { _id: "victim" }, _akb: { degraded: [] } }),
    ],
  ])("but an _akb that is not the document's own field is stored: %s", async (_name, record) => {
    const { response, letters } = await deliver([record]);
    expect(response.status).toBe(200);
    expect(letters).toEqual([]);
  });
});

describe("update paths and full documents MongoDB would refuse are refused before the write", () => {
  const update = (updatedFields: Record<string, unknown>, removedFields: string[] = []) =>
    change(5, { operationType: "update", updateDescription: { updatedFields, removedFields } });

  it.each([
    ["a change of _id", update({ _id: 2 }), "change_invalid_update", /changes _id/],
    ["an empty field name", update({ "a..b": 1 }), "change_invalid_update", /empty field name/],
    ["a path starting with $", update({ $x: 1 }), "change_invalid_update", /starting with "\$"/],
    ["a path and a path inside it", update({ a: {}, "a.b": 1 }), "change_invalid_update", /path inside it/],
    ["a path set and removed", update({ "a.b": 1 }, ["a.b"]), "change_invalid_update", /twice/],
    ["a path removed inside one set", update({ a: 1 }, ["a.b.c"]), "change_invalid_update", /path inside it/],
    [
      "a full document with a top-level $ field",
      change(5, { fullDocument: { _id: "victim", $set: 1 } }),
      "top_level_operator",
      /^fullDocument's top-level field "\$set"/,
    ],
  ])("%s", async (_name, record, reasonCode, reason) => {
    const { response, letters } = await deliver([record]);
    expect(response.status).toBe(200);
    expect(letters.map((letter) => letter.reasonCode)).toEqual([reasonCode]);
    expect(letters[0].reason).toMatch(reason);
  });

  it("applies paths that only share a prefix of characters (a, ab, a-b)", async () => {
    const deps = makeFirehoseDeps();
    const insert = firehoseRequest("i", [JSON.stringify(change(5, { fullDocument: { _id: "victim", a: 1 } }))]);
    await receiveFirehoseDelivery(insert, deps);
    const delta = firehoseRequest("u", [
      JSON.stringify({
        ...update({ ab: 2, "a-b": 3 }, ["a"]),
        _id: TOKEN(6),
        clusterTime: { $timestamp: { t: 6, i: 1 } },
      }),
    ]);
    expect((await receiveFirehoseDelivery(delta, deps)).status).toBe(200);
    expect(await deadLettersIn(deps.store).list()).toEqual([]);
    const [stored] = await deps.store.db("monitors").collection("firehose").find({}).toArray();
    expect(stored).toMatchObject({ _id: "victim", ab: 2, "a-b": 3 });
    expect("a" in stored).toBe(false);
  });
});
