import { describe, expect, it } from "vitest";
import { receiveFirehoseDelivery } from "../../../src/core/firehose/receive-delivery";
import { firehoseDefaults } from "../../../src/core/firehose/config";
import type { Document } from "../../../src/core/ports";
import {
  expectedMirror,
  MONGODB_OUTPUT_FORMATS,
  mirrorContents,
  readChangeEventFixture,
} from "../../helpers/change-events";
import { deadLettersIn } from "../../helpers/dead-letters";
import { makeFirehoseDeps } from "../../helpers/firehose";
import { firehoseRequest } from "../../helpers/mirror-model";

/*
 * Every MongoDB change event of the fixtures, broken one part at a time (the part removed, emptied,
 * or retyped to each JSON type), delivered beside the valid events through the webhook core. Whatever
 * the break, the event is never stored as data: it is dead-lettered or applied as a change (keyed
 * by its documentKey, with a position), and the valid events still make the expected mirror.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Event fields holding the user's data: broken as a whole (and their _id), not field by field. */
const DATA_FIELDS = ["fullDocument", "fullDocumentBeforeChange", "updatedFields"];

/** Every part of an event worth breaking: its fields at any depth, outside the user's data. */
function partsOf(value: Json, path: Path = []): Path[] {
  if (value === null || typeof value !== "object") return [];
  const parts: Path[] = [];
  const entries: [string | number, Json][] = Array.isArray(value)
    ? value.map((item, i): [number, Json] => [i, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const inner = [...path, key];
    parts.push(inner);
    const dataField = typeof key === "string" && DATA_FIELDS.includes(key);
    if (!dataField) parts.push(...partsOf(item, inner));
    else if (item !== null && typeof item === "object" && !Array.isArray(item) && "_id" in item)
      parts.push([...inner, "_id"], ...partsOf(item._id, [...inner, "_id"]));
  }
  return parts;
}

const EMPTY: Record<string, Json> = { string: "", number: 0, boolean: false, object: {}, array: [] };
const RETYPED: [string, Json][] = [
  ["null", null],
  ["boolean", true],
  ["number", 7],
  ["string", "x"],
  ["array", [1]],
  ["object", { x: 1 }],
];

interface Broken {
  name: string;
  record: Json;
}

function typeOf(value: Json): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

/** The event with the part at `path` removed (undefined) or replaced. */
function withPart(event: Json, path: Path, replacement: Json | undefined): Json {
  const copy = structuredClone(event);
  let parent = copy as Record<string | number, Json> | Json[];
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key] as typeof parent;
  const last = path[path.length - 1];
  if (replacement !== undefined) (parent as Record<string | number, Json>)[last] = replacement;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete parent[last];
  return copy;
}

function brokenVersions(event: Json): Broken[] {
  const out: Broken[] = [];
  const seen = new Set([JSON.stringify(event)]);
  for (const path of partsOf(event)) {
    let value: Json = event;
    for (const key of path) value = (value as Record<string | number, Json>)[key];
    const variants: [string, Json | undefined][] = [
      ["removed", undefined],
      ["emptied", EMPTY[typeOf(value)] ?? null],
      ...RETYPED.filter(([type]) => type !== typeOf(value)).map(([type, retyped]): [string, Json] => [
        `retyped to ${type}`,
        retyped,
      ]),
    ];
    for (const [how, replacement] of variants) {
      const record = withPart(event, path, replacement);
      const text = JSON.stringify(record);
      if (seen.has(text)) continue;
      seen.add(text);
      out.push({ name: `${path.join(".")} ${how}`, record });
    }
  }
  return out;
}

const fixtures = MONGODB_OUTPUT_FORMATS.map(readChangeEventFixture);
/** Bookkeeping collections: the only ones that may hold documents without a position. */
const BOOKKEEPING = [firehoseDefaults.deadLetterCollection, "firehose_deletes", "firehose_heartbeats"];

describe("a broken change event is never stored as data", () => {
  it.each(fixtures)("$outputFormat: every event broken one part at a time, beside the valid ones", async (fixture) => {
    const notAcknowledged: string[] = [];
    const storedAsData: string[] = [];
    const validRefused: string[] = [];
    const mirrorChanged: string[] = [];
    const outcomes = new Map<string, number>();
    let broken = 0;
    for (let at = 0; at < fixture.records.length; at++) {
      for (const version of brokenVersions(fixture.records[at] as Json)) {
        broken++;
        const name = `event ${at} (${fixture.records[at].operationType}): ${version.name}`;
        // The broken event right after its valid original: where a same-position duplicate would win.
        const records = fixture.records.map((record) => JSON.stringify(record));
        records.splice(at + 1, 0, JSON.stringify(version.record));
        const deps = makeFirehoseDeps();
        const response = await receiveFirehoseDelivery(firehoseRequest(`fuzz-${broken}`, records), deps);
        if (response.status !== 200) {
          notAcknowledged.push(`${name}: ${response.status} ${response.body}`);
          continue;
        }

        const database = deps.store.db("monitors");
        for (const coll of database.collectionNames().filter((c) => !BOOKKEEPING.includes(c))) {
          const documents = (await database.collection(coll).find({}).toArray()) as Document[];
          if (documents.some((document) => document._akb === undefined || "operationType" in document))
            storedAsData.push(`${name} -> ${coll}`);
        }
        const letters = await deadLettersIn(deps.store).list();
        for (const letter of letters)
          if (letter.index !== at + 1) validRefused.push(`${name}: valid record ${letter.index} ${letter.reasonCode}`);
        const own = letters.find((letter) => letter.index === at + 1);
        const outcome = own ? String(own.reasonCode) : "applied as a change";
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (JSON.stringify(await mirrorContents(deps)) !== JSON.stringify(expectedMirror(fixture)))
          mirrorChanged.push(`${name} (${outcome})`);
      }
    }
    expect(broken).toBeGreaterThan(100);
    // One assertion, so a failure lists every kind of problem at once.
    expect({ notAcknowledged, storedAsData, validRefused, mirrorChanged }).toEqual({
      notAcknowledged: [],
      storedAsData: [],
      validRefused: [],
      mirrorChanged: [],
    });
    // Some breaks leave an event that can still be applied exactly (a removed wallTime); most are refused.
    expect([...outcomes.keys()]).toContain("applied as a change");
    expect([...outcomes.keys()].length).toBeGreaterThan(3);
  });
});
