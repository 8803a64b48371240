import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { generateExportFiles, isGeneratedTrigger } from "../../scripts/generate-export";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { maskValue, MASKED_VALUE } from "../../src/core/capture/shaping/mask-value";
import type { Document } from "../../src/core/ports";
import type { EmbeddedStore } from "../../src/embedded/store";
import { readLocalSecrets } from "../../src/local/app-export";
import { Pipeline, SOURCE, type PipelineOptions } from "../../src/local/pipeline";
import { describeGivingUp, ReasonLog, waitForLandingOrStall } from "../../src/local/stall-watch";

const repository = join(import.meta.dirname, "..", "..");
const MASK_KEY = "a-local-mask-key-of-more-than-32-characters";
const LIST = "monitors.reports,mask=node|humidity,exclude=pressure\n";
const scratch = mkdtempSync(join(tmpdir(), "akb-waits-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the export whose capture list masks the readings, generated as npm run build does, and its local-secrets.json. */
function maskingExport(secrets?: Record<string, string>): string {
  const root = mkdtempSync(join(scratch, "export-"));
  for (const part of ["realm_config.json", "data_sources", "functions", "http_endpoints", "triggers", "values"])
    cpSync(join(repository, part), join(root, part), { recursive: true });
  for (const file of readdirSync(join(root, "triggers")))
    if (isGeneratedTrigger(file)) rmSync(join(root, "triggers", file));
  for (const [path, content] of generateExportFiles(LIST, root)) writeFileSync(join(root, path), content);
  if (secrets) writeFileSync(join(root, "local-secrets.json"), JSON.stringify(secrets));
  return root;
}

const running: Pipeline[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function start(options: Partial<PipelineOptions>): Promise<Pipeline> {
  const pipeline = await Pipeline.start({
    root: repository,
    engine: "kinesalite",
    stateDir: mkdtempSync(join(scratch, "state-")),
    bufferIntervalMs: 300,
    timeScale: 0.05,
    ...options,
  });
  running.push(pipeline);
  return pipeline;
}

/** Inserts `n` readings and waits until the trigger has outboxed them all (none can be put). */
async function insertAndOutbox(pipeline: Pipeline, n: number): Promise<void> {
  await pipeline.startSensor(50, n).finished;
  const deadline = Date.now() + 60_000;
  while (pipeline.counts.outboxed < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(pipeline.counts.outboxed).toBe(n);
}

// npm start's own steps (src/bin/start.ts): the secrets as it reads them, and its wait for landing.
describe("npm start's loop: masking with local-secrets.json, and saying why events wait", { timeout: 180_000 }, () => {
  it("a masking capture list with the key in local-secrets.json: the masked fields arrive masked, the excluded one not at all", async () => {
    const root = maskingExport({ captureMaskKey: MASK_KEY, adminApiPublicKey: "none", adminApiPrivateKey: "none" });
    const pipeline = await start({ root, secrets: readLocalSecrets(root) });
    const sensor = pipeline.startSensor(50, 20);
    await sensor.finished;
    const ids = new Set(sensor.insertedAt.keys());
    expect(await pipeline.expectedLandings(ids)).toBe(20);
    expect(await waitForLandingOrStall(pipeline, 20, { timeoutMs: 120_000 })).toEqual({ outcome: "landed" });
    expect(await pipeline.verify(ids)).toMatchObject({ sources: 20, expected: 20, landed: 20, exact: true });

    const store = pipeline.store as EmbeddedStore;
    const sources = await store.db(SOURCE.db).collection(SOURCE.coll).find({}).toArray();
    const mirror = new Map(
      (await store.db("monitors").collection("firehose").find({}).toArray()).map((d: Document) => [String(d._id), d]),
    );
    for (const source of sources) {
      const landed = mirror.get(String(source._id)) as Document;
      expect(landed.node).toMatch(MASKED_VALUE);
      expect(landed.node).toBe(maskValue(source.node, MASK_KEY, nodeBson));
      expect(landed.humidity).toBe(maskValue(source.humidity, MASK_KEY, nodeBson));
      expect(landed).not.toHaveProperty("pressure");
      expect(landed.temperature).toEqual(source.temperature);
    }
    expect(await pipeline.waitingReasons()).toEqual([]);
  });

  it.each<[string, () => Partial<PipelineOptions>, string]>([
    [
      "a masking capture list without local-secrets.json",
      () => ({ root: maskingExport(), secrets: readLocalSecrets(join(scratch, "no-such-root")) }),
      "events wait in the outbox: CAPTURE_MASK_KEY is not set, and monitors.reports masks node, humidity; its events wait in the outbox until the key is set",
    ],
    [
      "a key in local-secrets.json too short to mask with",
      () => {
        const root = maskingExport({ captureMaskKey: "short" });
        return { root, secrets: readLocalSecrets(root) };
      },
      "events wait in the outbox: CAPTURE_MASK_KEY is shorter than 32 characters, and monitors.reports masks node, humidity; its events wait in the outbox until the key is set",
    ],
    [
      'KINESIS_RECORD_FORMAT: "json"',
      () => ({ values: { KINESIS_RECORD_FORMAT: "json" } }),
      'events wait in the outbox: KinesisError: Misconfigured: KINESIS_RECORD_FORMAT must be one of envelope, document; got "json"',
    ],
  ])("%s: the events wait, the reason is said once, and the wait ends naming it", async (_name, options, reason) => {
    const pipeline = await start(options());
    await insertAndOutbox(pipeline, 5);
    const said = new ReasonLog();
    expect(said.fresh(await pipeline.waitingReasons())).toEqual([reason]);
    expect(said.fresh(await pipeline.waitingReasons())).toEqual([]);
    // npm start waits STALL_AFTER_MS (30 s); a shorter stillness here, the same code.
    const outcome = await waitForLandingOrStall(pipeline, 5, { timeoutMs: 120_000, stallAfterMs: 1_500 });
    expect(outcome).toMatchObject({ outcome: "stalled", reasons: [reason] });
    expect(describeGivingUp(outcome as Exclude<typeof outcome, { outcome: "landed" }>)).toMatch(
      new RegExp(`^nothing moved for \\d+ s: ${reason.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`),
    );
    expect(await pipeline.verify()).toMatchObject({ sources: 5, landed: 0, exact: false });
  });
});
