import fc from "fast-check";
import { MongoClient } from "mongodb";
import { afterAll, describe, expect, it } from "vitest";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { readFirehoseConfig } from "../../src/core/firehose/config";
import { receiveFirehoseDelivery } from "../../src/core/firehose/receive-delivery";
import type { DataSourcePort } from "../../src/core/ports";
import { EmbeddedStore } from "../../src/embedded/store";
import { recordingLogger, TEST_ACCESS_KEY } from "../helpers/firehose";
import {
  buildHistory,
  deliveryPlanArbitrary,
  encodeEvent,
  mirrorState,
  planDeliveries,
  scheduledDataSource,
  sourceState,
  stepsArbitrary,
  type Encoding,
} from "../helpers/mirror-model";
import { applyRecordsInProcess } from "../../src/core/firehose/apply/apply-records";

/**
 * The exact-mirror protocol (src/core/firehose/apply/apply-changes.ts), model-based: random histories of
 * insert/update/replace/delete per document, delivered as random batches with duplicates and
 * resent deliveries, in random orders, all deliveries at once with the scheduler choosing which
 * database call runs next at every await. The mirror must end equal to the source: every live
 * document with its last content, no deleted document in any form.
 */
const uri = process.env.MONGODB_URI;
const stores: {
  name: string;
  runs: number;
  open: () => Promise<{ source: DataSourcePort; cleanup: (db: string) => Promise<void> }>;
}[] = [
  {
    name: "embedded store",
    runs: 150,
    open: async () => ({ source: new EmbeddedStore(), cleanup: async () => undefined }),
  },
];
let client: MongoClient | undefined;
if (uri) {
  stores.push({
    name: "real MongoDB (MONGODB_URI)",
    runs: 25,
    open: async () => {
      client = client || (await new MongoClient(uri).connect());
      const connected = client;
      return {
        source: connected as unknown as DataSourcePort,
        cleanup: async (db) => void (await connected.db(db).dropDatabase()),
      };
    },
  });
} else {
  // Skipped where the runner reports skips, with why (`npx vitest run --reporter=verbose` shows the note).
  it("exact mirror on real MongoDB (MONGODB_URI)", (context) =>
    context.skip("MONGODB_URI is not set, so the real-server half is skipped; the embedded store half runs"));
}
afterAll(async () => client?.close());

let run = 0;

describe.each(stores)("exact mirror on $name", ({ runs, open }) => {
  it.each<Encoding>(["publisher", "canonical", "relaxed"])(
    "converges to the source for any delivery pattern (%s records)",
    async (encoding) => {
      await fc.assert(
        fc.asyncProperty(
          stepsArbitrary.chain((steps) =>
            fc.tuple(fc.constant(steps), deliveryPlanArbitrary(Math.max(1, buildHistory(steps).events.length))),
          ),
          fc.scheduler(),
          async ([steps, plan], scheduler) => {
            const history = buildHistory(steps);
            const records = history.events.map((event) => encodeEvent(event, encoding));
            const database = `akb_mirror_${process.pid}_${++run}`;
            const { source, cleanup } = await open();
            try {
              const values: Record<string, unknown> = {
                FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY,
                FIREHOSE_DATABASE: database,
              };
              const deps = {
                config: readFirehoseConfig((name) => values[name]),
                dataSource: scheduledDataSource(source, scheduler),
                bson: nodeBson,
                clock: { now: () => 1763771101456 },
                logger: recordingLogger(),
                applyRecords: applyRecordsInProcess,
              };
              const all = Promise.all(
                planDeliveries(records, plan, `r${run}`).map((request) => receiveFirehoseDelivery(request, deps)),
              );
              const responses = await scheduler.waitFor(all);
              expect(responses.map((response) => response.status)).toEqual(responses.map(() => 200));
              expect(deps.logger.lines.filter((line) => line.deadLettered !== 0)).toEqual([]);
              const mirror = await source.db(database).collection("firehose").find({}).toArray();
              expect(mirrorState(mirror)).toEqual(sourceState(history));
            } finally {
              await cleanup(database);
            }
          },
        ),
        { numRuns: runs },
      );
    },
  );

  it("updates without fullDocument (deltas) converge when each document's changes arrive in order, retries included", async () => {
    await fc.assert(
      fc.asyncProperty(
        stepsArbitrary,
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
        async (steps, cuts, resend) => {
          const history = buildHistory(steps);
          // As a change stream with fullDocument: "default" sends them: updates carry only their description.
          const records = history.events.map((event) =>
            encodeEvent(event.operationType === "update" ? { ...event, fullDocument: undefined } : event, "canonical"),
          );
          const database = `akb_mirror_${process.pid}_${++run}`;
          const { source, cleanup } = await open();
          try {
            const values: Record<string, unknown> = {
              FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY,
              FIREHOSE_DATABASE: database,
            };
            const deps = {
              config: readFirehoseConfig((name) => values[name]),
              dataSource: source,
              bson: nodeBson,
              clock: { now: () => 1763771101456 },
              logger: recordingLogger(),
              applyRecords: applyRecordsInProcess,
            };
            const plan = { extra: [], order: records.map((_, i) => i), cuts, resend };
            for (const request of planDeliveries(records, plan, `d${run}`))
              expect((await receiveFirehoseDelivery(request, deps)).status).toBe(200);
            expect(deps.logger.lines.filter((line) => line.deadLettered !== 0)).toEqual([]);
            expect(mirrorState(await source.db(database).collection("firehose").find({}).toArray())).toEqual(
              sourceState(history),
            );
          } finally {
            await cleanup(database);
          }
        },
      ),
      { numRuns: runs },
    );
  });
});
