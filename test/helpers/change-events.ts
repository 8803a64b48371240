import { EJSON } from "bson";
import type { Document } from "../../src/core/ports";
import type { makeFirehoseDeps } from "./firehose";
import { readFixture } from "./fixtures";

/** Change events as Atlas Stream Processing's $emit writes them, in one output format (see each fixture's source). */
export interface ChangeEventFixture {
  outputFormat: string;
  records: Document[];
  expectedMirror: Document[];
}

export const MONGODB_OUTPUT_FORMATS = ["canonicalJson", "relaxedJson", "basicJson"] as const;

export function readChangeEventFixture(name: string): ChangeEventFixture {
  return readFixture<ChangeEventFixture>(`change-events/mongodb/${name}.json`);
}

type Deps = ReturnType<typeof makeFirehoseDeps>;

/** The mirror without its position field, as canonical Extended JSON. */
export async function mirrorContents(deps: Deps, db = "monitors", coll = "firehose"): Promise<unknown[]> {
  const documents = await deps.store.db(db).collection(coll).find({}, { promoteValues: false }).toArray();
  return documents.map(({ _akb: _position, ...document }) => JSON.parse(EJSON.stringify(document, { relaxed: false })));
}

/** A fixture's expected mirror read the way mirrorContents reads the mirror. */
export function expectedMirror(fixture: ChangeEventFixture): unknown[] {
  return fixture.expectedMirror.map((document) =>
    JSON.parse(EJSON.stringify(EJSON.parse(JSON.stringify(document), { relaxed: false }), { relaxed: false })),
  );
}
