import { EJSON, Timestamp } from "bson";
import { describe, expect, it } from "vitest";
import { receiveFirehoseDelivery } from "../../../../src/core/firehose/receive-delivery";
import { firehoseRequest } from "../../../helpers/mirror-model";
import { makeFirehoseDeps } from "../../../helpers/firehose";
import { deadLettersIn } from "../../../helpers/dead-letters";

/**
 * The webhook's side of a reconcile (src/core/firehose/reconcile/sweep.ts): reads are marked whatever
 * their fate, closings recorded, and the sweep runs once every read of every part is marked, removing
 * only the reconciled source's documents older than the read position; the floor then undoes a late
 * stale change.
 */
const R0 = new Timestamp({ t: 1763771200, i: 5 });
const ns = { db: "app", coll: "orders" };
const wallTime = new Date(1763771200000);
const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");

const text = (value: unknown) => EJSON.stringify(value, { relaxed: false });
function change(operationType: string, id: string, t: number, fields: Record<string, unknown> = {}, source = ns) {
  const event: Record<string, unknown> = {
    _id: { _data: `82${hex(t)}${hex(1)}2B042C0100296E5A1004${hex(t)}` },
    operationType,
    clusterTime: new Timestamp({ t, i: 1 }),
    wallTime: new Date(t * 1000),
    ns: source,
    documentKey: { _id: id },
  };
  if (operationType !== "delete") event.fullDocument = { _id: id, ...fields };
  return text(event);
}
function read(id: string, seq: number, fields: Record<string, unknown> = {}, part = 0, reconcile = "rc1") {
  return text({
    operationType: "read",
    clusterTime: R0,
    wallTime,
    ns,
    documentKey: { _id: id },
    fullDocument: { _id: id, ...fields },
    _akb: { reconcile: { id: reconcile, part, seq } },
  });
}
function closing(fields: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return text({
    operationType: "reconcile",
    clusterTime: R0,
    wallTime,
    ns,
    _akb: { reconcile: { id: "rc1", part: 0, parts: 1, ...fields } },
    ...extra,
  });
}

/** A target that held a, b and c from old changes, a plain document, and another source's document. */
async function seeded() {
  const deps = makeFirehoseDeps();
  const old = [
    change("insert", "a", 1763771000, { v: 1 }),
    change("insert", "b", 1763771001, { v: 1 }),
    change("insert", "c", 1763771002, { v: 1 }), // deleted while change events were lost
    text({ _id: "plain", note: "not from a change event" }),
    change("insert", "z", 1763771003, { v: 1 }, { db: "app", coll: "other" }),
  ];
  expect((await receiveFirehoseDelivery(firehoseRequest("seed", old), deps)).status).toBe(200);
  return deps;
}

let requests = 0;
async function deliver(deps: Awaited<ReturnType<typeof seeded>>, records: string[], requestId = `d${++requests}`) {
  const response = await receiveFirehoseDelivery(firehoseRequest(requestId, records), deps);
  expect(response.status).toBe(200);
  return deps.logger.lines[deps.logger.lines.length - 1];
}
const ids = async (deps: Awaited<ReturnType<typeof seeded>>) =>
  (await deps.store.db("monitors").collection("firehose").find({}).toArray())
    .map((doc) => `${String(doc._id)}${doc._akb ? `@${(doc._akb as { ns: string }).ns}` : ""}`)
    .sort();
const KEPT = ["z@app.other", "plain"];
const sweeps = (deps: Awaited<ReturnType<typeof seeded>>) =>
  deps.logger.lines.filter((line) => line.msg === "reconcile sweep");

describe("the webhook sweeps after a reconcile", () => {
  it.each([
    {
      name: "closing first, then the reads in two deliveries",
      deliveries: [[closing({ sent: 2 })], [read("a", 0, { v: 2 })], [read("b", 1, { v: 2 })]],
      sweptAfter: 2,
    },
    {
      name: "reads first, then the closing",
      deliveries: [[read("b", 1, { v: 2 }), read("a", 0, { v: 2 })], [closing({ sent: 2 })]],
      sweptAfter: 1,
    },
    {
      name: "reads and closing in one delivery, duplicated",
      deliveries: [[read("a", 0, { v: 2 }), closing({ sent: 2 }), read("a", 0, { v: 2 }), read("b", 1, { v: 2 })]],
      sweptAfter: 0,
    },
    {
      name: "a read dead-lettered (its document dropped for size) still counts",
      deliveries: [
        [
          read("a", 0, { v: 2 }),
          text({
            operationType: "read",
            clusterTime: R0,
            wallTime,
            ns,
            documentKey: { _id: "b" },
            _akb: { degraded: ["fullDocument"], reconcile: { id: "rc1", part: 0, seq: 1 } },
          }),
        ],
        [closing({ sent: 2 })],
      ],
      sweptAfter: 1,
      // b's read could not be applied: its old version goes too (the dead letter says to re-read it).
      removed: ["b", "c"],
    },
    {
      name: "a read superseded in its batch by a newer change still counts",
      deliveries: [
        [read("a", 0, { v: 2 }), change("update", "a", R0.t + 5, { v: 3 }), read("b", 1, { v: 2 })],
        [closing({ sent: 2, ranges: [[0, 2]] })],
      ],
      sweptAfter: 1,
    },
    {
      name: "two parts, the second with numbers after a dead run's",
      deliveries: [
        [read("a", 0, { v: 2 }, 0), closing({ part: 0, parts: 2, sent: 1 })],
        [read("b", 7, { v: 2 }, 1)],
        [closing({ part: 1, parts: 2, sent: 1, ranges: [[7, 8]] })],
      ],
      sweptAfter: 2,
    },
  ])("$name", async ({ deliveries, sweptAfter, removed = ["c"] }) => {
    const deps = await seeded();
    for (let k = 0; k < deliveries.length; k++) {
      const line = await deliver(deps, deliveries[k]);
      if (k < sweptAfter) {
        expect(sweeps(deps)).toEqual([]);
        expect(await ids(deps)).toContain("c@app.orders");
      } else if (k === sweptAfter) expect(line).toMatchObject({ sweeps: 1, swept: removed.length });
    }
    const live = ["a", "b"].filter((id) => !removed.includes(id)).map((id) => `${id}@app.orders`);
    expect(await ids(deps)).toEqual([...live, ...KEPT].sort());
    expect(sweeps(deps)).toEqual([
      expect.objectContaining({
        reconcile: "rc1",
        ns: "app.orders",
        target: "monitors.firehose",
        removed: removed.length,
        readPosition: `${hex(R0.t).toLowerCase()}${hex(R0.i).toLowerCase()}:read`,
      }),
    ]);
    const rows = deps.store.db("monitors").collection("firehose_reconciles");
    expect(await rows.findOne({ _id: "s|rc1|app.orders" })).toMatchObject({ status: "swept", removed: removed.length });
    // The marks are gone once swept; a resent delivery neither marks them for good nor sweeps twice.
    expect(await rows.countDocuments({ _id: { $gte: "m|", $lt: "m}" } })).toBe(0);
    await deliver(deps, deliveries[deliveries.length - 1], "again");
    expect(sweeps(deps)).toHaveLength(1);
  });

  it("never sweeps an incomplete epoch", async () => {
    const deps = await seeded();
    await deliver(deps, [read("a", 0, { v: 2 }), closing({ sent: 3 })]);
    await deliver(deps, [read("b", 2, { v: 2 })]); // seq 1 never arrives
    expect(sweeps(deps)).toEqual([]);
    expect(await ids(deps)).toEqual(["a@app.orders", "b@app.orders", "c@app.orders", ...KEPT].sort());
    // A part row missing (parts: 2) keeps it from sweeping too.
    const other = await seeded();
    await deliver(other, [read("a", 0, { v: 2 }), read("b", 1, { v: 2 }), closing({ sent: 2, parts: 2 })]);
    expect(sweeps(other)).toEqual([]);
  });

  it("the floor undoes a stale change that arrives after the sweep", async () => {
    const deps = await seeded();
    await deliver(deps, [read("a", 0, { v: 2 }), read("b", 1, { v: 2 }), closing({ sent: 2 })]);
    expect(await ids(deps)).not.toContain("c@app.orders");
    // An old insert of c (before R0, from a delivery retried late) and an old update of it.
    const line = await deliver(deps, [change("replace", "c", 1763771100, { v: 9 })]);
    expect(line).toMatchObject({ stale: 1, stored: 0 });
    expect(await ids(deps)).not.toContain("c@app.orders");
    // A newer change (after R0) of c is not touched by the floor: c came back in the source.
    await deliver(deps, [change("insert", "c", R0.t + 10, { v: 10 })]);
    expect(await ids(deps)).toContain("c@app.orders");
    // Nor is a read of the same reconcile arriving late (it ranks at the floor, not below it).
    await deliver(deps, [read("b", 1, { v: 2 })]);
    expect(await ids(deps)).toContain("b@app.orders");
  });

  it.each([
    { name: "no parts", fields: { parts: 0, sent: 0 }, reason: /parts must be/ },
    { name: "part beyond parts", fields: { part: 2, parts: 2, sent: 0 }, reason: /part must be/ },
    { name: "sent that its ranges do not hold", fields: { sent: 3, ranges: [[0, 2]] }, reason: /sent must equal/ },
    {
      name: "overlapping ranges",
      fields: {
        sent: 4,
        ranges: [
          [0, 2],
          [1, 3],
        ],
      },
      reason: /ranges must be/,
    },
    { name: "sent as text", fields: { sent: "2" }, reason: /sent must be/ },
  ])("dead-letters a closing with $name (reconcile_invalid)", async ({ fields, reason }) => {
    const deps = await seeded();
    const line = await deliver(deps, [closing(fields)]);
    expect(line).toMatchObject({ deadLettered: 1, stored: 0 });
    const [letter] = await deadLettersIn(deps.store).list();
    expect(letter).toMatchObject({ reasonCode: "reconcile_invalid", reason: expect.stringMatching(reason) });
  });

  it.each([
    {
      name: "of the heartbeat collection",
      record: text({
        operationType: "reconcile",
        clusterTime: R0,
        ns: { db: "streamkap", coll: "streamkap_heartbeat" },
        _akb: { reconcile: { id: "rc1", part: 0, parts: 1, sent: 0 } },
      }),
      values: {},
      reasonCode: "reconcile_invalid",
    },
    {
      name: "whose target is a captured collection",
      record: closing({ sent: 0 }),
      values: { FIREHOSE_UNMAPPED_TARGET: "mirror_{db}.{coll}", CAPTURED_NAMESPACES: '["mirror_app.orders"]' },
      reasonCode: "target_captured",
    },
    {
      name: "without a Timestamp clusterTime",
      record: closing({ sent: 0 }, { clusterTime: 1763771200000 }),
      values: {},
      reasonCode: "reconcile_invalid",
    },
  ])("dead-letters a closing $name", async ({ record, values, reasonCode }) => {
    const deps = makeFirehoseDeps({ values });
    await deliver(deps as Awaited<ReturnType<typeof seeded>>, [record]);
    const letters = await deadLettersIn(deps.store).list();
    expect(letters).toEqual([expect.objectContaining({ reasonCode })]);
  });
});
