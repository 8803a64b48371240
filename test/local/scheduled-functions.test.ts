import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { captureHealthId } from "../../src/core/capture/health/capture-health";
import { EmbeddedStore } from "../../src/embedded/store";
import { startKinesisEmulator } from "../../src/local/kinesis-emulator";
import { LocalRuntime, type Execution } from "../../src/local/runtime";
import { startFaultProxy } from "../helpers/fault-proxy";
import { emulatorValues } from "../helpers/capture";

/**
 * The per-minute work, moved out of the heartbeat into triggers and functions of its own, still happens
 * when the local runtime runs this repository's export: the outbox drains, an unfinished snapshot goes
 * on, and each heartbeat has its capture checked.
 */
const root = resolve(import.meta.dirname, "..", "..");
const APP = "atlas-kinesis-bridge";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50)))
    if (await check()) return;
  throw new Error(`timed out waiting until ${what}`);
}

describe("the scheduled functions on the local runtime, with this repository's export", () => {
  it("drainOutbox drains, continueSnapshots continues a snapshot, emitHeartbeat beats and its capture is checked", async () => {
    const emulator = await startKinesisEmulator({ engine: "kinesalite" });
    cleanups.push(() => emulator.stop());
    await emulator.createStream("scheduled", 1);
    // Every put is refused until the plan runs out: the change waits in the outbox.
    const proxy = await startFaultProxy(
      emulator.endpoint,
      Array.from({ length: 8 }, () => "throttle" as const),
    );
    cleanups.push(() => proxy.close());
    const store = new EmbeddedStore();
    const executions: Execution[] = [];
    const runtime = await LocalRuntime.start({
      root,
      dataSource: store,
      secrets: {},
      valueOverrides: { ...emulatorValues(emulator, "scheduled", proxy.endpoint), KINESIS_MAX_ATTEMPTS: 2 },
      scheduleEveryMs: 300,
      functionConsole: { log() {}, info() {}, warn() {}, error() {} },
      onExecution: (execution) => executions.push(execution),
    });
    cleanups.push(() => runtime.stop());
    const db = store.db("streamkap");
    await store.db("monitors").collection("reports").insertOne({ _id: "r1", temperature: 21.5 });
    const outboxed = () =>
      executions.some(
        (e) => e.trigger === "capture_monitors_reports" && (e.result as { result?: string })?.result === "outboxed",
      );
    await until("the change is in the outbox", async () => outboxed());
    // The snapshot's own trigger is suspended, so only the continuation can run it.
    runtime.suspendTrigger("runSnapshot", { historyLost: false });
    await store
      .db("app")
      .collection("orders")
      .insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: i })));
    await db.collection("streamkap_signal").insertOne({
      _id: "left-over",
      type: "execute-snapshot",
      data: { "data-collections": ["app.orders"] },
    });
    proxy.plan.length = 0; // Kinesis answers again

    await until("the outbox is drained and the snapshot done", async () => {
      const signal = await db.collection("streamkap_signal").findOne({ _id: "left-over" });
      const reports = (await emulator.readAll("scheduled")).filter((r) => r.data.toString().includes('"r1"'));
      return (
        signal?.status === "done" &&
        reports.length === 1 &&
        (await db.collection("kinesis_outbox").countDocuments()) === 0
      );
    });
    await until("a heartbeat's capture is checked", async () =>
      Boolean(await db.collection("kinesis_status").findOne({ _id: captureHealthId(APP) })),
    );

    const ran = (trigger: string) => executions.filter((e) => e.trigger === trigger && !e.error);
    expect(ran("drainOutbox").some((e) => (e.result as { put: number }).put > 0)).toBe(true);
    expect(ran("continueSnapshots").some((e) => (e.result as { continued: number }).continued === 1)).toBe(true);
    expect(ran("emitHeartbeat").length).toBeGreaterThan(0);
    expect(await db.collection("streamkap_heartbeat").findOne({ _id: APP })).toMatchObject({ app: APP });
  }, 60_000);
});
