import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { canaryWorldOfPipeline, checkCanary } from "../../src/cli/canary";
import { renderCanary } from "../../src/core/canary/run-canary";
import { Pipeline } from "../../src/local/pipeline";

const root = resolve(import.meta.dirname, "..", "..");
const running: Pipeline[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

async function start() {
  const pipeline = await Pipeline.start({
    root,
    engine: "kinesalite",
    stateDir: mkdtempSync(join(tmpdir(), "akb-canary-")),
    bufferIntervalMs: 300,
    timeScale: 0.05,
  });
  running.push(pipeline);
  return pipeline;
}

const states = (report: { hops: readonly { hop: string; state: string }[] }) =>
  Object.fromEntries(report.hops.map((h) => [h.hop, h.state]));

// The real loop on loopback: the deployed functions/*.js as triggers, kinesalite, the Firehose
// simulator, the webhook function, the embedded store (or MONGODB_URI's cluster with npm run status).
describe("the canary through the local pipeline", { timeout: 120_000 }, () => {
  it("arrives: every hop reached, timed from the write, and the canary is removed from the source afterwards", async () => {
    const pipeline = await start();
    const report = await checkCanary(canaryWorldOfPipeline(pipeline), { timeoutMs: 60_000, pollMs: 100 });
    expect(report.arrived).toBe(true);
    expect(states(report)).toEqual({
      "trigger ran": "reached",
      "record on the stream": "reached",
      "delivery accepted": "reached",
      "document in the target": "reached",
    });
    const times = report.hops.map((h) => h.afterMs!);
    expect(times.every((t) => typeof t === "number" && t >= 0)).toBe(true);
    // Each hop comes after the one before it (the trigger is timed by its record's arrival).
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(report.hops[1].detail).toMatch(/^realm, shardId-\d+, sequence number \d+$/);
    expect(report.hops[3].detail).toBe("monitors.firehose holds it as written");
    expect(renderCanary(report, "here")).toMatch(/\nOK: the canary here arrived in \d+\.\d s$/);
    const left = await pipeline.store.db("monitors").collection("reports").find({ akbCanary: true }).toArray();
    expect(left).toEqual([]);
  });

  it("names the delivery hop when Firehose delivers nothing (the simulator stopped)", async () => {
    const pipeline = await start();
    await pipeline.simulator.stop(false);
    const report = await checkCanary(canaryWorldOfPipeline(pipeline), { timeoutMs: 5_000, pollMs: 100 });
    expect(report.arrived).toBe(false);
    expect(report.failedHop).toBe("delivery accepted");
    expect(states(report)).toEqual({
      "trigger ran": "reached",
      "record on the stream": "reached",
      "delivery accepted": "not reached",
      "document in the target": "not reached",
    });
    expect(report.hops[2].detail).toMatch(
      /^not within \d+\.\d s: the record is on the stream, but no delivery with it reached the webhook: look at the Firehose delivery stream/,
    );
    expect(renderCanary(report, "here")).toMatch(/\nFAILED at "delivery accepted": the canary here did not arrive$/);
  });

  it("names the stream hop, with the outbox's reason, when Kinesis refuses the record", async () => {
    const pipeline = await start();
    await pipeline.kinesis.call("DeleteStream", { StreamName: pipeline.kinesis.streamName });
    const report = await checkCanary(canaryWorldOfPipeline(pipeline), { timeoutMs: 8_000, pollMs: 100 });
    expect(report.failedHop).toBe("record on the stream");
    expect(report.hops[0]).toMatchObject({ state: "reached", detail: "it put the record in the outbox" });
    expect(report.hops[1].detail).toMatch(
      /^not within \d+\.\d s: the record is in the outbox \(streamkap\.kinesis_outbox\), not on the stream: .*ResourceNotFoundException.*; drainOutbox retries it every minute$/,
    );
  });

  it("names the trigger hop when nothing captures the collection written to", async () => {
    const pipeline = await start();
    const world = { ...canaryWorldOfPipeline(pipeline), source: { db: "monitors", coll: "not_captured" } };
    const report = await checkCanary(world, { timeoutMs: 3_000, pollMs: 100 });
    expect(report.failedHop).toBe("trigger ran");
    expect(report.hops[0].detail).toMatch(/^not within \d+\.\d s: no capture trigger handled the change/);
    expect(report.hops.slice(1).map((h) => h.state)).toEqual(["not reached", "not reached", "not reached"]);
  });
});

describe("npm run status -- --canary", { timeout: 180_000 }, () => {
  const status = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, ["--import", "tsx", join(root, "src", "bin", "status.ts"), ...args], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: process.env.PATH, ...env },
      timeout: 150_000,
    });

  it("--local: starts the local pipeline, prints each hop with its time, exit 0", () => {
    const result = status(["--canary", "--local", "--timeout", "60"]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines.map((line) => line.replace(/ \+\d+\.\d\d s:.*/, ""))).toEqual([
      "ok   trigger ran",
      "ok   record on the stream",
      "ok   delivery accepted",
      "ok   document in the target",
      expect.stringMatching(
        /^OK: the canary through the local pipeline \(embedded store, kinesalite on loopback\) arrived in \d+\.\d s$/,
      ),
    ]);
  });

  it.each([
    { args: ["--local"], message: "--local and --collection go with --canary" },
    { args: ["--canary", "--data", "x"], message: "--canary writes a document: it does not read a --data folder" },
    { args: ["--canary", "--collection", "reports"], message: '--collection "reports" is not "database.collection"' },
  ])("$args: exit 2, nothing written", ({ args, message }) => {
    const result = status(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it("without MONGODB_URI (and not --local) it cannot check: exit 3, saying what to set", () => {
    const result = status(["--canary"]);
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(
      "MONGODB_URI is not set: the canary is written into the cluster it names (or try --local)",
    );
  });
});
