import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { EmbeddedStore } from "../../src/embedded/store";
import { startKinesisEmulator } from "../../src/local/kinesis-emulator";
import { Pipeline } from "../../src/local/pipeline";

const root = resolve(import.meta.dirname, "..", "..");
const running: Pipeline[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function start(engine: "kinesis-local" | "kinesalite", values?: Record<string, unknown>) {
  const pipeline = await Pipeline.start({
    root,
    engine,
    values,
    stateDir: mkdtempSync(join(tmpdir(), "akb-pipeline-")),
    bufferIntervalMs: 300,
    timeScale: 0.05, // Firehose's backoff, 20x faster
  });
  running.push(pipeline);
  return pipeline;
}

async function expectExact(pipeline: Pipeline, events: number) {
  expect(await pipeline.waitForLanding(events, 120_000)).toBe(true);
  const result = await pipeline.verify();
  expect(result).toMatchObject({ sources: events, landed: events, missing: [], different: [], extra: [], exact: true });
  const counts = await pipeline.snapshotCounts();
  expect(counts).toMatchObject({ deadLettered: 0, backedUp: 0, dropped: 0, outboxDepth: 0 });
  return counts;
}

// Generous timeouts: kinesis-local is CPU-heavy and shares two cores with the rest of the suite.
describe(
  "the whole loop in-process: sensor -> trigger -> Kinesis -> Firehose -> webhook -> MongoDB",
  { timeout: 180_000 },
  () => {
    it("lands every reading exactly once, types included (kinesis-local, the npm start default)", async () => {
      const pipeline = await start("kinesis-local");
      await pipeline.startSensor(50, 60).finished;
      const counts = await expectExact(pipeline, 60);
      expect(counts.put).toBe(60);
    });

    it("counts and checks the mirror and outbox where the functions' values put them, not at the defaults", async () => {
      const pipeline = await start("kinesalite", {
        FIREHOSE_COLLECTION: "readings_mirror",
        KINESIS_OUTBOX_COLLECTION: "outbox_elsewhere",
      });
      expect(pipeline.namespaces).toMatchObject({
        target: { db: "monitors", coll: "readings_mirror" },
        outbox: { db: "streamkap", coll: "outbox_elsewhere" },
      });
      await pipeline.startSensor(50, 30).finished;
      await expectExact(pipeline, 30);
      const store = pipeline.store as EmbeddedStore;
      expect(await store.db("monitors").collection("firehose").countDocuments({})).toBe(0);
    });

    it("survives the webhook going away mid-run: Firehose retries the same batches and nothing is lost or doubled", async () => {
      const pipeline = await start("kinesalite");
      const sensor = pipeline.startSensor(40, 120);
      while (pipeline.sensor!.inserted < 30) await new Promise((r) => setTimeout(r, 20));
      await pipeline.runtime.closeEndpoints();
      await new Promise((r) => setTimeout(r, 1500));
      await pipeline.runtime.openEndpoints();
      await sensor.finished;
      const counts = await expectExact(pipeline, 120);
      expect(counts.retried).toBeGreaterThan(0);
    });

    it("survives a runtime restart: triggers resume after their last event and the end state is exact", async () => {
      const pipeline = await start("kinesalite");
      const sensor = pipeline.startSensor(40, 120);
      while (pipeline.sensor!.inserted < 40) await new Promise((r) => setTimeout(r, 20));
      await pipeline.restartRuntime(1000); // readings keep coming while it is down
      await sensor.finished;
      await expectExact(pipeline, 120);
    });

    it("uses an existing stream instead of the embedded emulator when given one (as with AWS settings)", async () => {
      const external = await startKinesisEmulator({ engine: "kinesalite" });
      try {
        await external.createStream("existing-stream", 1);
        const settings = {
          region: external.region,
          ...external.credentials,
          endpoint: external.endpoint,
          streamName: "existing-stream",
        };
        await expect(
          Pipeline.start({
            root,
            stateDir: mkdtempSync(join(tmpdir(), "akb-pipeline-")),
            externalKinesis: { ...settings, streamName: "missing-stream" },
          }),
        ).rejects.toThrow(/Kinesis stream "missing-stream" is not usable at http:\/\/127\.0\.0\.1:\d+/);
        const pipeline = await Pipeline.start({
          root,
          stateDir: mkdtempSync(join(tmpdir(), "akb-pipeline-")),
          bufferIntervalMs: 300,
          externalKinesis: settings,
        });
        running.push(pipeline);
        await pipeline.startSensor(50, 40).finished;
        await expectExact(pipeline, 40);
        expect((await external.readAll("existing-stream")).length).toBeGreaterThanOrEqual(40);
      } finally {
        await Promise.all(running.splice(0).map((p) => p.stop()));
        await external.stop();
      }
    });
  },
);
