import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { nodeBson } from "../../../src/adapters/bson/node-bson";
import { checkCapture } from "../../../src/core/capture/health/capture-health";
import { readCaptureConfig } from "../../../src/core/capture/config";
import { readCaptureHealthConfig } from "../../../src/core/capture/health/health-config";
import { recordHeartbeatOnStream } from "../../../src/core/capture/publish/put-status";
import type { TriggerAdminPort } from "../../../src/core/capture/health/trigger-admin";
import { readFirehoseConfig } from "../../../src/core/firehose/config";
import { refusal, type DeadLetterReasonCode } from "../../../src/core/firehose/dead-letters/dead-letter-reasons";
import { deadLetter } from "../../../src/core/firehose/dead-letters/dead-letters";
import { readDeploymentStatus } from "../../../src/core/status/deployment-status";
import { EXIT_CODE, renderStatus } from "../../../src/core/status/render-status";
import { EmbeddedStore } from "../../../src/embedded/store";
import { deadLettersIn } from "../../helpers/dead-letters";
import { readFixture } from "../../helpers/fixtures";
import { recordingLogger } from "../../helpers/firehose";

const NOW = Date.parse("2026-11-29T12:00:00Z");
const ago = (ms: number) => new Date(NOW - ms);
const capture = readCaptureConfig(() => undefined);
const firehose = readFirehoseConfig(() => undefined);

/** A store prepared as a deployment leaves it; `with` adds to the healthy baseline. */
async function deployment(
  edit: (store: EmbeddedStore) => Promise<void> = async () => undefined,
): Promise<EmbeddedStore> {
  const store = new EmbeddedStore();
  await store
    .db("streamkap")
    .collection("streamkap_heartbeat")
    .insertOne({ _id: "atlas-kinesis-bridge", app: "atlas-kinesis-bridge", at: ago(30_000), outboxDepth: 0 });
  await store
    .db("monitors")
    .collection("firehose_heartbeats")
    .insertOne({ _id: "atlas-kinesis-bridge", app: "atlas-kinesis-bridge", receivedAt: ago(40_000), lagMs: 5_000 });
  await edit(store);
  return store;
}
const status = async (store: EmbeddedStore) => readDeploymentStatus(store, capture, firehose, NOW);
const outbox = (store: EmbeddedStore) => store.db("streamkap").collection("kinesis_outbox");
/** A dead letter as the webhook records it, through the port. */
const recordLetter = (store: EmbeddedStore, requestId: string, code: DeadLetterReasonCode, receivedAt: Date) =>
  deadLettersIn(store).record([
    deadLetter({ index: 0, refusal: refusal(code), data: "e30=" }, { requestId, receivedAt }),
  ]);
const signals = (store: EmbeddedStore) => store.db("streamkap").collection("streamkap_signal");

describe("npm run status: readDeploymentStatus over prepared collections", () => {
  it.each<{
    name: string;
    edit?: (store: EmbeddedStore) => Promise<void>;
    level: "ok" | "warning" | "critical";
    finding?: RegExp;
  }>([
    { name: "a healthy deployment", level: "ok" },
    {
      name: "a heartbeat 5 minutes old",
      edit: async (s) =>
        void (await s
          .db("streamkap")
          .collection("streamkap_heartbeat")
          .updateOne({ _id: "atlas-kinesis-bridge" }, { $set: { at: ago(5 * 60_000) } })),
      level: "warning",
      finding: /heartbeat atlas-kinesis-bridge: last written 5.0 min ago/,
    },
    {
      name: "a heartbeat 20 minutes old",
      edit: async (s) =>
        void (await s
          .db("streamkap")
          .collection("streamkap_heartbeat")
          .updateOne({ _id: "atlas-kinesis-bridge" }, { $set: { at: ago(20 * 60_000) } })),
      level: "critical",
      finding: /last written 20.0 min ago/,
    },
    {
      name: "no heartbeat document at all",
      edit: async (s) => void (await s.db("streamkap").collection("streamkap_heartbeat").deleteMany({})),
      level: "critical",
      finding: /no heartbeat document/,
    },
    {
      name: "an end-to-end lag of 10 minutes",
      edit: async (s) =>
        void (await s
          .db("monitors")
          .collection("firehose_heartbeats")
          .updateOne({ _id: "atlas-kinesis-bridge" }, { $set: { lagMs: 10 * 60_000 } })),
      level: "warning",
      finding: /end-to-end atlas-kinesis-bridge/,
    },
    {
      name: "an outbox entry 10 minutes old",
      edit: async (s) => void (await outbox(s).insertOne({ _id: "t1", enqueuedAt: ago(10 * 60_000), lastError: "x" })),
      level: "warning",
      finding: /outbox: 1 entries, oldest 10.0 min old/,
    },
    {
      name: "an outbox entry 2 hours old",
      edit: async (s) => void (await outbox(s).insertOne({ _id: "t1", enqueuedAt: ago(2 * 3600_000), lastError: "x" })),
      level: "critical",
      finding: /oldest 2.0 h old/,
    },
    {
      name: "a failed snapshot",
      edit: async (s) =>
        void (await signals(s).insertOne({
          _id: "s1",
          type: "execute-snapshot",
          status: "failed",
          error: 'signal data must have a non-empty "data-collections" array',
          updatedAt: ago(1000),
        })),
      level: "warning",
      finding: /snapshot s1: failed: signal data/,
    },
    {
      name: "a dead letter today",
      edit: (s) => recordLetter(s, "r", "not_json", ago(3600_000)),
      level: "warning",
      finding: /dead letters: 1 in the last 24 h \(not_json 1\)/,
    },
  ])("$name: $level", async ({ edit, level, finding }) => {
    const result = await status(await deployment(edit));
    expect(result.level).toBe(level);
    if (finding) expect(result.findings.map((f) => `${f.what}: ${f.detail}`).join("\n")).toMatch(finding);
    else expect(result.findings).toEqual([]);
    expect(EXIT_CODE[result.level]).toBe({ ok: 0, warning: 1, critical: 2 }[level]);
  });

  it("groups the outbox's errors by kind and dead letters of the last 24 h by reason code", async () => {
    const store = await deployment(async (s) => {
      const throttled =
        "KinesisError: ProvisionedThroughputExceededException: Rate exceeded for shard shardId-000000000001";
      for (let i = 0; i < 3; i++)
        await outbox(s).insertOne({ _id: `o${i}`, enqueuedAt: ago(60_000 + i), lastError: throttled });
      await outbox(s).insertOne({
        _id: "o9",
        enqueuedAt: ago(30_000),
        lastError: "KinesisError: AccessDeniedException: not authorized",
      });
      await outbox(s).insertOne({ _id: "big", enqueuedAt: ago(30_000), lastError: "too large", permanent: true });
      await recordLetter(s, "a", "not_json", ago(1000));
      await recordLetter(s, "b", "not_json", ago(2000));
      await recordLetter(s, "c", "change_no_document", ago(3000));
      await recordLetter(s, "old", "not_json", ago(2 * 24 * 3600_000));
      // Written before reason codes existed: counted by its reason, without the detail.
      await s
        .db(firehose.database)
        .collection(firehose.deadLetterCollection)
        .insertOne({
          _id: "d:0",
          reason: "database refused the document (code 121): failed validation",
          receivedAt: ago(4000),
        });
    });
    const result = await status(store);
    expect(result.outbox).toMatchObject({ depth: 4, permanent: 1 });
    expect(result.outbox.topReasons).toEqual([
      { reason: "ProvisionedThroughputExceededException", count: 3 },
      { reason: "AccessDeniedException", count: 1 },
      { reason: "too large", count: 1 },
    ]);
    expect(result.deadLetters24h).toEqual({
      total: 4,
      truncated: false,
      byReasonCode: [
        { reasonCode: "not_json", count: 2 },
        { reasonCode: "change_no_document", count: 1 },
        { reasonCode: "database refused the document", count: 1 },
      ],
    });
  });

  it("reports a running snapshot's progress, rate and time left", async () => {
    const store = await deployment(async (s) => {
      await s
        .db("app")
        .collection("orders")
        .insertMany(Array.from({ length: 3000 }, (_, i) => ({ _id: i })));
      await signals(s).insertOne({
        _id: "s2",
        type: "execute-snapshot",
        status: "running",
        data: { "data-collections": ["app.orders"] },
        startedAt: ago(100_000),
        updatedAt: ago(0),
        progress: { "0": { namespace: "app.orders", count: 1000, done: false } },
      });
    });
    const [snapshot] = (await status(store)).snapshots;
    expect(snapshot).toMatchObject({
      id: "s2",
      status: "running",
      documentsDone: 1000,
      documentsTotal: 3000,
      ratePerSecond: 10,
      etaSeconds: 200,
    });
    const text = renderStatus(await status(store));
    expect(text).toMatch(/s2\s+running\s+app\.orders\s+1000\s+3000\s+10\s+3\.3 min/);
    expect(text).toMatch(/^atlas-kinesis-bridge status at 2026-11-29T12:00:00.000Z: OK/);
  });

  it("sums a parallel backfill's ranges while it runs", async () => {
    const store = await deployment(async (s) => {
      await s
        .db("app")
        .collection("orders")
        .insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i })));
      const range = (count: number, done: boolean) => ({
        position: 0,
        namespace: "app.orders",
        count,
        done,
        leaseUntil: null,
        owner: null,
      });
      await signals(s).insertOne({
        _id: "s3",
        type: "execute-snapshot",
        status: "running",
        data: { "data-collections": ["app.orders"], parallelism: 2 },
        startedAt: ago(10_000),
        updatedAt: ago(0),
        plan: [range(30, false), range(50, true)],
      });
    });
    expect((await status(store)).snapshots[0]).toMatchObject({
      documentsDone: 80,
      documentsTotal: 100,
      ratePerSecond: 8,
      etaSeconds: 2.5,
    });
  });

  it("says which snapshots are reconciles and shows the webhook's latest sweeps", async () => {
    const store = await deployment(async (s) => {
      await signals(s).insertOne({
        _id: "r1",
        type: "execute-snapshot",
        status: "done",
        data: { "data-collections": ["app.orders"], reconcile: true },
        progress: { "0": { namespace: "app.orders", count: 7, done: true } },
      });
      await s
        .db("monitors")
        .collection("firehose_reconciles")
        .insertMany([
          { _id: "m|r1|app.orders|0|000000000000000", at: ago(0) },
          {
            _id: "s|r1|app.orders",
            kind: "sweep",
            status: "swept",
            reconcile: "r1",
            ns: "app.orders",
            target: "monitors.firehose",
            readPosition: "692102dd00000004:read",
            removed: 3,
            sweptAt: ago(60_000),
            at: ago(60_000),
          },
        ]);
    });
    const result = await status(store);
    expect(result.snapshots[0]).toMatchObject({ id: "r1", kind: "reconcile", status: "done", documentsDone: 7 });
    expect(result.sweeps).toEqual([
      {
        reconcile: "r1",
        ns: "app.orders",
        target: "monitors.firehose",
        removed: 3,
        readPosition: "692102dd00000004:read",
        sweptAt: ago(60_000),
      },
    ]);
    const text = renderStatus(result);
    expect(text).toMatch(/r1\s+done \(reconcile\)\s+app\.orders\s+7/);
    expect(text).toMatch(
      /r1\s+app\.orders\s+monitors\.firehose\s+3\s+692102dd00000004:read\s+2026-11-29T11:59:00\.000Z/,
    );
  });

  it("without MONGODB_URI says what to set and exits 3 (could not check)", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "src/bin/status.ts"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    });
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/MONGODB_URI is not set/);
  });
});

describe("npm run status: is capture alive", () => {
  const statusCollection = (store: EmbeddedStore) => store.db("streamkap").collection("kinesis_status");
  /** The heartbeat's capture check, as it ran `msAgo` before NOW, over a listed trigger suspended as given. */
  async function heartbeatChecked(store: EmbeddedStore, msAgo: number, suspension?: Record<string, unknown>) {
    const listed = readFixture<Record<string, unknown>[]>("admin-api/triggers.json");
    if (suspension) Object.assign(listed[0], suspension);
    const admin: TriggerAdminPort = {
      listTriggers: async () => listed,
      resumeTrigger: async () => undefined,
      latestExecution: async () => ({ completed_at: { $date: new Date(NOW - msAgo).toISOString() } }),
      triggerFailureLogs: async () => [],
    };
    await checkCapture(
      {
        config: capture,
        health: readCaptureHealthConfig((name) =>
          name === "CAPTURED_NAMESPACES" ? ["monitors.reports", "streamkap.streamkap_heartbeat"] : undefined,
        ),
        status: statusCollection(store),
        signals: signals(store),
        dataSource: store,
        bson: nodeBson,
        clock: { now: () => NOW - msAgo },
        logger: recordingLogger(),
        admin,
        groupId: "5f7c0a0a0a0a0a0a0a0a0a0a",
        appId: "60c8e59866b0c33d14ee634a",
      },
      null,
      0,
    );
  }

  it("a heartbeat that has not reached the stream for over 45 s is critical, with what to do", async () => {
    const store = await deployment(async (s) => {
      // The heartbeat written 30 s ago is not on the stream, nor the one before, written 90 s ago.
      await recordHeartbeatOnStream(statusCollection(s), "atlas-kinesis-bridge", ago(150_000), NOW - 149_000);
      await s
        .db("streamkap")
        .collection("streamkap_heartbeat")
        .updateOne({ _id: "atlas-kinesis-bridge" }, { $set: { at: ago(90_000) } });
    });
    const result = await status(store);
    expect(result.level).toBe("critical");
    const [finding] = result.findings;
    expect(finding).toMatchObject({ level: "critical", what: "capture stream atlas-kinesis-bridge" });
    expect(finding.detail).toMatch(
      /the heartbeat written at 2026-11-29T11:58:30.000Z has not reached the stream after 90 s; the last heartbeat reached it at 2026-11-29T11:57:31.000Z/,
    );
    expect(finding.steps?.join("\n")).toMatch(/Triggers: restart every capture_\* trigger whose Status is Suspended/);
    expect(result.capture[0].stream.state).toBe("stalled");
  });

  it("a suspended capture trigger, as the heartbeat found it: critical, with its name, since when and the steps", async () => {
    const store = await deployment(async (s) => {
      await recordHeartbeatOnStream(statusCollection(s), "atlas-kinesis-bridge", ago(30_000), NOW - 29_000);
      await heartbeatChecked(s, 60_000, { error: "(ChangeStreamHistoryLost) resume point lost" });
      await heartbeatChecked(s, 0, { error: "(ChangeStreamHistoryLost) resume point lost" });
    });
    const result = await status(store);
    expect(result.level).toBe("critical");
    const finding = result.findings.find((f) => f.what === "capture trigger capture_monitors_reports");
    expect(finding?.detail).toMatch(
      /^suspended since 2026-11-29T11:59:00.000Z \(\(ChangeStreamHistoryLost\) resume point lost\)/,
    );
    expect(finding?.steps?.[0]).toMatch(
      /capture_monitors_reports \(Status: Suspended\) → Restart → restart WITHOUT the resume token/,
    );
    const text = renderStatus(result);
    expect(text).toMatch(/capture atlas-kinesis-bridge: stream OK .* auto-resume off/);
    expect(text).toMatch(/capture_monitors_reports\s+suspended\s+2026-11-29T11:59:00.000Z/);
    expect(text).toMatch(/CRITICAL capture trigger capture_monitors_reports: suspended since/);
    expect(text).toMatch(/\n {9}1\. Atlas UI: project 5f7c0a0a0a0a0a0a0a0a0a0a → Triggers/);
    expect(text).toContain('"data-collections":["monitors.reports"],"reconcile":true');
  });

  it("running capture triggers: the table only, no finding", async () => {
    const store = await deployment(async (s) => {
      await recordHeartbeatOnStream(statusCollection(s), "atlas-kinesis-bridge", ago(30_000), NOW - 29_000);
      await heartbeatChecked(s, 0);
    });
    const result = await status(store);
    expect(result.level).toBe("ok");
    expect(result.capture[0]).toMatchObject({ adminApi: "ok", stream: { state: "ok" } });
    expect(result.capture[0].triggers.map((t) => t.state)).toEqual(["running", "running", "running"]);
  });
});
