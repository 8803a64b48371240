import { Double, EJSON, Int32, Long, ObjectId } from "bson";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../../src/adapters/bson/node-bson";
import { readCaptureConfig } from "../../../../src/core/capture/config";
import type { ChangeEvent } from "../../../../src/core/capture/publish/kinesis-record";
import { maskValue } from "../../../../src/core/capture/shaping/mask-value";
import {
  shapeChangeEvent,
  shapeSnapshotRead,
  snapshotReadFilter,
} from "../../../../src/core/capture/shaping/shape-event";
import { BridgeError } from "../../../../src/core/errors";
import { EmbeddedStore } from "../../../../src/embedded/store";
import { readChangeEvent } from "../../../helpers/capture";
import { MASK_KEY, SECRETS, USERS_OPTIONS } from "../../../helpers/capture-options";

/** The capture config with these options and mask key (null: no key). */
const config = (options: unknown = USERS_OPTIONS, key: string | null = MASK_KEY) =>
  readCaptureConfig((name) =>
    name === "CAPTURE_OPTIONS" ? options : name === "CAPTURE_MASK_KEY" ? (key ?? undefined) : undefined,
  );
const canonical = (value: unknown) => EJSON.stringify(value, { relaxed: false });
const fixture = (name: string) => readChangeEvent(`options/${name}`);
const shape = (event: ChangeEvent, c = config()) => shapeChangeEvent(event, c, nodeBson);
const mask = (value: unknown) => maskValue(value, MASK_KEY, nodeBson);

describe("shapeChangeEvent: exclude and mask on every part of a live event", () => {
  it.each(["users-insert", "users-update", "users-update-subdocument", "users-replace", "users-delete"])(
    "%s: no excluded or masked value is left anywhere in the event, and the input is not changed",
    (name) => {
      const event = fixture(name);
      const before = canonical(event);
      const shaped = shape(event) as ChangeEvent;
      expect(shaped).not.toBeNull();
      const text = canonical(shaped);
      for (const secret of SECRETS) expect(text, secret).not.toContain(secret);
      expect(canonical(event)).toBe(before);
      expect(shaped.documentKey).toEqual(event.documentKey);
    },
  );

  it("insert: the full document loses the excluded paths (also inside arrays) and its phone is masked", () => {
    const shaped = shape(fixture("users-insert")) as ChangeEvent;
    expect(shaped.fullDocument).toEqual({
      _id: new ObjectId("692f8c1a0b1c2d3e4f506100"),
      name: "Åse Nilsen",
      region: "eu",
      phone: mask("+47 555 01 01"),
      profile: { city: "Tromsø" },
      cards: [{ brand: "visa" }, { brand: "amex" }],
      visits: new Int32(5),
    });
    expect(shaped.fullDocument!.phone).toMatch(/^hmac:[A-Za-z0-9_-]{43}$/);
  });

  it("update: dotted keys, a key holding a path inside its value, removed fields, truncated arrays and the pre-image", () => {
    const shaped = shape(fixture("users-update")) as ChangeEvent;
    expect(shaped.updateDescription).toEqual({
      updatedFields: {
        "cards.1": { brand: "mastercard" },
        phone: mask("+47 555 01 99"),
        visits: new Int32(6),
      },
      // The removal of an excluded field was never published; the others stay.
      removedFields: ["profile.city"],
      truncatedArrays: [{ field: "cards", newSize: new Int32(2) }],
    });
    expect(shaped.fullDocumentBeforeChange).toMatchObject({
      phone: mask("+47 555 01 01"),
      profile: { city: "Tromsø" },
    });
    expect(shaped.fullDocumentBeforeChange).not.toHaveProperty("ssn");
    // The same value masks the same in the update description and in the document.
    expect((shaped.updateDescription!.updatedFields as Record<string, unknown>).phone).toBe(shaped.fullDocument!.phone);
  });

  it("update of a whole subdocument and array: the paths are removed inside the new values", () => {
    const shaped = shape(fixture("users-update-subdocument")) as ChangeEvent;
    expect(shaped.updateDescription!.updatedFields).toEqual({ profile: { city: "Bodø" }, cards: [{ brand: "visa" }] });
  });

  it("a key inside a masked value is replaced by the whole masked value, read from the full document", () => {
    const options = [{ namespace: "app.users", exclude: [], mask: ["profile"] }];
    const shaped = shape(fixture("users-update"), config(options)) as ChangeEvent;
    const fields = shaped.updateDescription!.updatedFields as Record<string, unknown>;
    expect(fields).not.toHaveProperty("profile.email");
    expect(fields.profile).toBe(mask({ email: "ase.nilsen@example.no" }));
    expect(fields.profile).toBe(shaped.fullDocument!.profile);
    // Without a full document the new masked value is unknown: the key is left out rather than leaked.
    const withoutDocument = { ...fixture("users-update"), fullDocument: undefined };
    const noMatch = [{ namespace: "app.users", exclude: [], mask: ["profile"] }];
    const delta = shape(withoutDocument, config(noMatch)) as ChangeEvent;
    expect(Object.keys(delta.updateDescription!.updatedFields as object)).toEqual(["cards.1", "phone", "visits"]);
  });

  it("a document key's other fields (a shard key) are shaped too; _id never is", () => {
    const event = { ...fixture("users-insert"), documentKey: { _id: 7, tenant: "acme", region: "eu" } };
    const options = [{ namespace: "app.users", exclude: ["tenant"], mask: ["region"] }];
    expect((shape(event, config(options)) as ChangeEvent).documentKey).toEqual({ _id: 7, region: mask("eu") });
  });

  it("a collection without options is published as it came (the same object), and a whole database's options apply to its collections", () => {
    const event = fixture("users-insert");
    expect(shape(event, config([{ namespace: "other.users", exclude: ["ssn"], mask: [] }]))).toBe(event);
    const wholeDatabase = shape(event, config([{ namespace: "app.*", exclude: ["ssn"], mask: [] }])) as ChangeEvent;
    expect(wholeDatabase.fullDocument).not.toHaveProperty("ssn");
  });
});

describe("maskValue: joins still work, the key is needed", () => {
  it("equal values mask equally in any document; numbers by value; other types and keys differ", () => {
    expect(mask("+47 555 01 01")).toBe(mask("+47 555 01 01"));
    expect(mask(5)).toBe(mask(new Int32(5)));
    expect(mask(5)).toBe(mask(new Double(5)));
    expect(mask(5)).toBe(mask(Long.fromNumber(5)));
    expect(mask(5)).not.toBe(mask("5"));
    expect(mask(Long.fromString("9007199254740993"))).not.toBe(mask(Long.fromString("9007199254740992")));
    expect(mask(new ObjectId("692f8c1a0b1c2d3e4f506100"))).toBe(mask(new ObjectId("692F8C1A0B1C2D3E4F506100")));
    expect(mask({ a: 1, b: 2 })).not.toBe(mask({ b: 2, a: 1 }));
    expect(maskValue("x", `${MASK_KEY}-other`, nodeBson)).not.toBe(mask("x"));
  });

  it("the same phone in two users' documents and in a snapshot read gives the same mask", () => {
    const a = shape({ ...fixture("users-insert") }) as ChangeEvent;
    const other = fixture("users-insert");
    other.fullDocument = { ...other.fullDocument, _id: 2, ssn: "x" };
    const b = shape(other) as ChangeEvent;
    const read = shapeSnapshotRead(
      fixture("users-insert").fullDocument!,
      "app",
      "users",
      new Date(),
      config(),
      nodeBson,
    );
    expect(a.fullDocument!.phone).toBe(b.fullDocument!.phone);
    expect(read!.fullDocument!.phone).toBe(a.fullDocument!.phone);
  });

  it.each([
    ["not set", null, "CAPTURE_MASK_KEY is not set, and app.users masks phone"],
    ["too short", "short-key", "CAPTURE_MASK_KEY is shorter than 32 characters"],
  ])("a mask key %s: a clear error (misconfigured), never an unmasked event", (_name, key, message) => {
    let error: unknown;
    try {
      shape(fixture("users-insert"), config(USERS_OPTIONS, key));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).kind).toBe("misconfigured");
    expect((error as Error).message).toContain(message);
  });

  it("a namespace that masks nothing needs no key", () => {
    const options = [{ namespace: "app.users", exclude: ["ssn"], mask: [] }];
    expect(shape(fixture("users-insert"), config(options, null))).not.toBeNull();
  });
});

describe("shapeChangeEvent: match", () => {
  const us = (event: ChangeEvent, part: "fullDocument" | "fullDocumentBeforeChange") => ({
    ...event,
    [part]: { ...(event[part] as object), region: "us" },
  });

  it.each<{ name: string; event: () => ChangeEvent; expected: "published" | "not published" | "delete" }>([
    { name: "an insert inside it", event: () => fixture("users-insert"), expected: "published" },
    {
      name: "an insert outside it",
      event: () => us(fixture("users-insert"), "fullDocument"),
      expected: "not published",
    },
    { name: "an update inside it", event: () => fixture("users-update"), expected: "published" },
    {
      name: "an update moving it out (pre-image inside)",
      event: () => us(fixture("users-update"), "fullDocument"),
      expected: "delete",
    },
    {
      name: "an update outside it before and after (pre-image)",
      event: () => us(us(fixture("users-update"), "fullDocument"), "fullDocumentBeforeChange"),
      expected: "not published",
    },
    {
      name: "an update outside it that sets the filter's field, no pre-image",
      event: () => {
        const e = us(fixture("users-update"), "fullDocument");
        delete e.fullDocumentBeforeChange;
        e.updateDescription = { updatedFields: { region: "us" }, removedFields: [], truncatedArrays: [] };
        return e;
      },
      expected: "delete",
    },
    {
      name: "an update outside it that removes the filter's field, no pre-image",
      event: () => {
        const e = us(fixture("users-update"), "fullDocument");
        delete e.fullDocumentBeforeChange;
        e.updateDescription = { updatedFields: {}, removedFields: ["region"], truncatedArrays: [] };
        return e;
      },
      expected: "delete",
    },
    {
      name: "an update outside it touching other fields only, no pre-image (it cannot have left)",
      event: () => {
        const e = us(fixture("users-update"), "fullDocument");
        delete e.fullDocumentBeforeChange;
        return e;
      },
      expected: "not published",
    },
    {
      name: "an update moving it in (pre-image outside): the full document",
      event: () => us(fixture("users-update"), "fullDocumentBeforeChange"),
      expected: "published",
    },
    {
      name: "an update whose looked-up document is gone (deleted since; its delete follows)",
      event: () => ({ ...fixture("users-update"), fullDocument: null }),
      expected: "not published",
    },
    {
      name: "a replace moving it out (pre-image inside)",
      event: () => us(fixture("users-replace"), "fullDocument"),
      expected: "delete",
    },
    {
      name: "a replace outside it, no pre-image",
      event: () => {
        const e = us(fixture("users-replace"), "fullDocument");
        delete e.fullDocumentBeforeChange;
        return e;
      },
      expected: "delete",
    },
    { name: "a delete", event: () => fixture("users-delete"), expected: "published" },
    {
      name: "a delete of a document outside it",
      event: () => us(fixture("users-delete"), "fullDocumentBeforeChange"),
      expected: "published",
    },
  ])("$name: $expected", ({ event, expected }) => {
    const input = event();
    const shaped = shape(input);
    if (expected === "not published") return expect(shaped).toBeNull();
    expect(shaped).not.toBeNull();
    if (expected === "delete") {
      expect(shaped).toMatchObject({
        _id: input._id,
        operationType: "delete",
        clusterTime: input.clusterTime,
        ns: input.ns,
        documentKey: input.documentKey,
        _akb: { outOfMatch: true },
      });
      expect(shaped).not.toHaveProperty("fullDocument");
      expect(shaped).not.toHaveProperty("updateDescription");
    } else expect(shaped!.operationType).toBe(input.operationType);
    // Every document the stream carries matches.
    for (const part of ["fullDocument", "fullDocumentBeforeChange"] as const)
      if (shaped![part] != null) expect((shaped![part] as { region: string }).region).toBe("eu");
  });

  it("the match reads fields that are not published (it decides before exclude and mask)", () => {
    const options = [{ namespace: "app.users", exclude: ["region"], mask: [], match: '{"region": "eu"}' }];
    const shaped = shape(fixture("users-insert"), config(options)) as ChangeEvent;
    expect(shaped.fullDocument).not.toHaveProperty("region");
    expect(shape(us(fixture("users-insert"), "fullDocument"), config(options))).toBeNull();
  });

  it("a snapshot's query takes the match: its Extended JSON values read exactly, no filter without one", () => {
    const options = [
      {
        namespace: "app.users",
        exclude: [],
        mask: [],
        match: '{"visits": {"$gte": {"$numberLong": "9007199254740993"}}}',
      },
    ];
    const filter = snapshotReadFilter("app", "users", config(options), nodeBson);
    expect(canonical(filter)).toBe('{"visits":{"$gte":{"$numberLong":"9007199254740993"}}}');
    expect(snapshotReadFilter("app", "orders", config(options), nodeBson)).toBeUndefined();
    expect(snapshotReadFilter("app", "users", config([]), nodeBson)).toBeUndefined();
  });

  it("options that cannot be applied give no filter: the first read refuses them, as before (an empty collection completes)", () => {
    const document = fixture("users-insert").fullDocument!;
    const noKey = config(USERS_OPTIONS, null);
    expect(snapshotReadFilter("app", "users", noKey, nodeBson)).toBeUndefined();
    expect(() => shapeSnapshotRead(document, "app", "users", new Date(), noKey, nodeBson)).toThrow(BridgeError);
  });

  // A snapshot reads with the match in its query and shapes each document on a read's own short path
  // (runSnapshot carries neither the evaluator nor the update shaping): together they must publish
  // exactly what shapeChangeEvent publishes for the same `read` events, whatever the options.
  it.each<{ name: string; options: unknown; documents: () => Record<string, unknown>[] }>([
    { name: "no options for the namespace", options: [], documents: () => [fixture("users-insert").fullDocument!] },
    {
      name: "exclude, mask and match, one document inside the match and one outside",
      options: USERS_OPTIONS,
      documents: () => [
        fixture("users-insert").fullDocument!,
        { ...fixture("users-insert").fullDocument!, _id: 2, region: "us" },
      ],
    },
    {
      name: "a whole database's options, exclude and mask only, with arrays and a missing path",
      options: [{ namespace: "app.*", exclude: ["cards.number", "absent.path"], mask: ["profile.email"] }],
      documents: () => [fixture("users-replace").fullDocument!],
    },
    {
      name: "a match on numbers of other BSON types, beyond 2^53 and NaN",
      options: [
        {
          namespace: "app.users",
          exclude: [],
          mask: [],
          match:
            '{"$or": [{"visits": {"$gte": {"$numberLong": "5"}}}, {"n": {"$gt": {"$numberLong": "9007199254740992"}}}]}',
        },
      ],
      documents: () => [
        fixture("users-insert").fullDocument!,
        { _id: 3, visits: new Double(4.5) },
        { _id: 4, visits: new Int32(5) },
        { _id: 5, n: Long.fromString("9007199254740993") },
        { _id: 6, n: 9007199254740992 },
        { _id: 7, visits: Number.NaN },
        { _id: 8, visits: "9" },
      ],
    },
  ])(
    "a snapshot publishes what shapeChangeEvent publishes for the read events: $name",
    async ({ options, documents }) => {
      const wallTime = new Date("2026-12-07T10:00:00Z");
      const docs = documents();
      const users = new EmbeddedStore().db("app").collection("users");
      await users.insertMany(docs.map((doc) => ({ ...doc })));
      const filter = snapshotReadFilter("app", "users", config(options), nodeBson);
      const read = await users
        .find(filter || {})
        .sort({ _id: 1 })
        .toArray();
      const snapshot = read.map((doc) => shapeSnapshotRead(doc, "app", "users", wallTime, config(options), nodeBson));
      const events = docs
        .map((doc) => {
          const event: ChangeEvent = {
            operationType: "read",
            wallTime,
            ns: { db: "app", coll: "users" },
            documentKey: { _id: doc._id },
            fullDocument: doc,
          };
          return shape(event, config(options));
        })
        .filter((event) => event !== null);
      expect(events.length).toBeGreaterThan(0);
      expect(snapshot.map(canonical).sort()).toEqual(events.map(canonical).sort());
    },
  );

  it("a snapshot read whose options cannot be applied is refused as shapeChangeEvent refuses it", () => {
    const document = fixture("users-insert").fullDocument!;
    const noKey = config(USERS_OPTIONS, null);
    expect(() => shapeSnapshotRead(document, "app", "users", new Date(), noKey, nodeBson)).toThrow(
      "CAPTURE_MASK_KEY is not set, and app.users masks phone",
    );
  });

  it("options that cannot be read refuse every namespace rather than let an event out unshaped", () => {
    const unreadable = {
      ...config(),
      captureOptions: { byNamespace: {}, unreadable: "CAPTURE_OPTIONS is not valid JSON" },
    };
    expect(() => shape(fixture("users-insert"), unreadable)).toThrow(
      "capture options cannot be read (CAPTURE_OPTIONS is not valid JSON); nothing is published unshaped",
    );
  });
});
