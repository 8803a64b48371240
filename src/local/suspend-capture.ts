import { Double, EJSON, ObjectId } from "bson";
import { randomBytes } from "node:crypto";
import { captureHealthId } from "../core/capture/capture-health";
import { captureDefaults, captureSettings } from "../core/capture/config";
import type { Document } from "../core/ports";
import { startLocalAdminApi, type LocalAdminApi, type SuspensionField } from "./admin-api-server";
import { SOURCE, type Pipeline, type VerifyResult } from "./pipeline";

/**
 * `npm start -- --events N --suspend-capture`: capture stops as it does on Atlas when a trigger's
 * resume token leaves the oplog, while readings keep coming and already-captured readings are
 * updated and deleted; the heartbeat notices through the (local) Admin API, resumes the triggers
 * without their tokens and inserts a reconcile signal; the run ends with the usual exact check.
 *
 * The local Admin API serves the heartbeat through the very values a deployment sets
 * (ADMIN_API_URL, the key pair, ADMIN_API_GROUP_ID, ADMIN_API_APP_ID, CAPTURE_AUTO_RESUME).
 */

/** The heartbeat runs every second here (every minute on Atlas); a heartbeat 10 s late counts as a stall (a busy machine delays them by seconds). */
export const DEMO_HEARTBEAT_EVERY_MS = 1_000;
const DEMO_STALL_AFTER_MS = 10_000;
const APP = captureSettings.appName.fallback as string;

export interface HealResult {
  /** When capture was suspended (ms), and the triggers suspended. */
  suspendedAt: number;
  triggers: string[];
  /** Readings inserted when it was suspended. */
  insertedBefore: number;
  /** Change events the suspended triggers never delivered, by operation type. */
  dropped: Record<string, number>;
  /** Already-captured readings updated and deleted while suspended. */
  gapUpdated: string[];
  gapDeleted: string[];
  /** The heartbeat's resume calls: when, and with or without the token. */
  resumes: { at: number; trigger: string; disableToken: boolean }[];
  /** The reconcile signal the heartbeat inserted. */
  signal?: { id: string; collections: string[]; insertedAt: number; status: string; resent: number };
  /** What the capture check last recorded (`<app>:captureHealth`). */
  health?: Document;
  /** Gap deletes no longer in the mirror; gap updates the mirror now has. */
  deletesGone: number;
  updatesRepaired: number;
  /** Documents that differ from their source although the gap did not update them. */
  differentOutsideGap: string[];
  verify: VerifyResult;
  /** Live source documents expected in the mirror: inserted minus deleted. */
  expected: number;
  exact: boolean;
}

export class SuspendCaptureDemo {
  private pipeline?: Pipeline;

  private constructor(
    readonly admin: LocalAdminApi,
    /** The values that point the heartbeat at the local Admin API and let it resume. */
    readonly values: Record<string, unknown>,
  ) {}

  /** Starts the local Admin API (the pipeline is attached once it runs). */
  static async start(options: { suspensionField?: SuspensionField } = {}): Promise<SuspendCaptureDemo> {
    const key = { publicKey: randomBytes(4).toString("hex"), privateKey: randomBytes(18).toString("hex") };
    const ids = { groupId: new ObjectId().toHexString(), appId: new ObjectId().toHexString() };
    const holder: { demo?: SuspendCaptureDemo } = {};
    const admin = await startLocalAdminApi({
      ...key,
      ...ids,
      suspensionField: options.suspensionField,
      runtime: () => {
        if (!holder.demo?.pipeline) throw new Error("the pipeline is not running yet");
        return holder.demo.pipeline.runtime;
      },
    });
    const demo = new SuspendCaptureDemo(admin, {
      ADMIN_API_URL: admin.url,
      ADMIN_API_PUBLIC_KEY: key.publicKey,
      ADMIN_API_PRIVATE_KEY: key.privateKey,
      ADMIN_API_GROUP_ID: ids.groupId,
      ADMIN_API_APP_ID: ids.appId,
      CAPTURE_AUTO_RESUME: true,
      CAPTURE_STALL_AFTER_MS: DEMO_STALL_AFTER_MS,
    });
    holder.demo = demo;
    return demo;
  }

  attach(pipeline: Pipeline): void {
    this.pipeline = pipeline;
  }

  /**
   * Runs the demo on a pipeline whose sensor inserts `events` readings: at a third of them, every
   * capture trigger is suspended (history lost) and `gap` already-captured readings are updated
   * and as many deleted at once; then it waits for the sensor, the heal and a quiet stream, and
   * checks the mirror. `timeoutMs` bounds the wait for the heal.
   */
  async run(events: number, options: { gap?: number; timeoutMs?: number } = {}): Promise<HealResult> {
    const pipeline = this.pipeline;
    const sensor = pipeline?.sensor;
    if (!pipeline || !sensor) throw new Error("attach a pipeline and start its sensor first");
    const gap = options.gap ?? Math.max(1, Math.floor(events / 30));
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    const reports = pipeline.store.db(SOURCE.db).collection(SOURCE.coll) as unknown as {
      updateOne(filter: Document, update: Document): Promise<unknown>;
      deleteOne(filter: Document): Promise<unknown>;
    };
    // The mirror (the embedded store or MONGODB_URI's).
    const target = pipeline.store.db("monitors").collection("firehose") as unknown as {
      findOne(filter: Document): Promise<Document | null>;
      find(filter: Document): { sort(s: Document): { limit(n: number): { toArray(): Promise<Document[]> } } };
    };
    const inMirror = async (count: number) =>
      (await target.find({}).sort({ _id: 1 }).limit(count).toArray()).map((d) => (d._id as ObjectId).toHexString());

    // Wait until a third is in and enough readings have landed in the mirror (captured for sure).
    const suspendAfter = Math.floor(events / 3);
    while (sensor.inserted < suspendAfter || (await inMirror(2 * gap)).length < 2 * gap) {
      if (Date.now() > deadline) throw new Error("the readings did not land in time to suspend capture");
      await sleep(20);
    }
    // Suspend just after a heartbeat has checked, so the gap lasts until the next one (about a second).
    const status = pipeline.store
      .db(captureDefaults.heartbeatDatabase)
      .collection(captureSettings.statusCollection.fallback as string) as unknown as {
      findOne(filter: Document): Promise<Document | null>;
    };
    const checkedAt = async () => {
      const doc = await status.findOne({ _id: captureHealthId(APP) });
      return doc && doc.checkedAt instanceof Date ? doc.checkedAt.getTime() : 0;
    };
    const lastCheck = await checkedAt();
    for (const until = Date.now() + 3 * DEMO_HEARTBEAT_EVERY_MS; Date.now() < until;) {
      if ((await checkedAt()) !== lastCheck) break;
      await sleep(5);
    }
    const landed = await inMirror(2 * gap);
    const runtime = pipeline.runtime;
    const triggers = runtime
      .listDatabaseTriggers()
      .filter((t) => t.functionName === "publishChangeToKinesis")
      .map((t) => t.name);
    const suspendedAt = Date.now();
    const insertedBefore = sensor.inserted;
    for (const name of triggers) runtime.suspendTrigger(name, { historyLost: true });
    // The gap's writes go in at once, before the next heartbeat can notice: updates and deletes of
    // readings the mirror already holds, while the sensor keeps inserting.
    const gapUpdated: string[] = [];
    const gapDeleted: string[] = [];
    for (let i = 0; i < landed.length; i++) {
      const _id = ObjectId.createFromHexString(landed[i]);
      if (i % 2 === 0) {
        await reports.updateOne({ _id }, { $set: { temperature: new Double(-40.5), recalibrated: true } });
        gapUpdated.push(landed[i]);
      } else {
        await reports.deleteOne({ _id });
        gapDeleted.push(landed[i]);
      }
    }
    await sensor.finished;

    // The heal: the heartbeat resumes the triggers, then inserts a reconcile signal, which runs.
    const signals = pipeline.store
      .db(captureDefaults.heartbeatDatabase)
      .collection(captureDefaults.signalCollection) as unknown as {
      find(filter: Document): { toArray(): Promise<Document[]> };
    };
    let signal: Document | undefined;
    while (Date.now() < deadline) {
      [signal] = await signals.find({ "data.reconcile": true }).toArray();
      if (signal && (signal.status === "done" || signal.status === "failed")) break;
      await sleep(200);
    }

    // Then until the mirror is exact, or every change has been put and delivered and the mirror has
    // not moved for a while.
    const outbox = pipeline.store
      .db(captureDefaults.heartbeatDatabase)
      .collection(captureSettings.outboxCollection.fallback as string) as unknown as {
      countDocuments(filter?: Document): Promise<number>;
    };
    const settled = async () =>
      runtime.listDatabaseTriggers().every((t) => t.pending === 0) && (await outbox.countDocuments({})) === 0;
    let verify = await pipeline.verify();
    let last = "";
    let quietSince = Date.now();
    while (!verify.exact && Date.now() < deadline) {
      // The mirror's own state: heartbeats keep arriving every second and change nothing of it.
      const now = `${verify.landed}/${verify.missing.length}/${verify.different.length}/${verify.extra.length}`;
      if (now !== last || !(await settled())) {
        last = now;
        quietSince = Date.now();
      } else if (Date.now() - quietSince > 3_000) break;
      await sleep(250);
      verify = await pipeline.verify();
    }

    let deletesGone = 0;
    for (const hex of gapDeleted)
      if (!(await target.findOne({ _id: ObjectId.createFromHexString(hex) }))) deletesGone++;
    let updatesRepaired = 0;
    for (const hex of gapUpdated) {
      const mirrored = await target.findOne({ _id: ObjectId.createFromHexString(hex) });
      if (mirrored && mirrored.recalibrated === true) updatesRepaired++;
    }
    const dropped: Record<string, number> = {};
    for (const t of runtime.listDatabaseTriggers())
      for (const [op, n] of Object.entries(t.dropped)) dropped[op] = (dropped[op] || 0) + n;
    const ids = new Map(runtime.listDatabaseTriggers().map((t) => [t.id, t.name]));
    const resumes = this.admin.calls
      .filter((c) => c.method === "PUT" && c.status === 204)
      .map((c) => ({
        at: c.at,
        trigger: ids.get(decodeURIComponent(c.path.split("/")[6] || "")) || c.path,
        disableToken: (c.body as { disable_token?: unknown } | undefined)?.disable_token === true,
      }));
    const health = await status.findOne({ _id: captureHealthId(APP) });
    const expected = sensor.inserted - gapDeleted.length;
    // Keys as verify() writes them.
    const updatedKeys = new Set(
      gapUpdated.map((hex) => EJSON.stringify(ObjectId.createFromHexString(hex), { relaxed: false })),
    );
    return {
      suspendedAt,
      triggers,
      insertedBefore,
      dropped,
      gapUpdated,
      gapDeleted,
      resumes,
      signal: signal && {
        id: EJSON.stringify(signal._id),
        collections: ((signal.data as Document)["data-collections"] as string[]) || [],
        insertedAt: signal.createdAt instanceof Date ? signal.createdAt.getTime() : NaN,
        status: String(signal.status),
        resent: Object.values((signal.progress as Record<string, { count?: number }>) || {}).reduce(
          (sum, p) => sum + (p.count || 0),
          0,
        ),
      },
      health: health || undefined,
      deletesGone,
      updatesRepaired,
      differentOutsideGap: verify.different.filter((key) => !updatedKeys.has(key)),
      verify,
      expected,
      exact: verify.exact && verify.sources === expected,
    };
  }

  async stop(): Promise<void> {
    await this.admin.stop();
  }
}

/** The demo's story, a line per step, for `npm start`. */
export function describeHeal(result: HealResult): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const dropped = Object.entries(result.dropped)
    .map(([op, n]) => `${n} ${op}s`)
    .join(", ");
  const lines = [
    `Capture suspended after ${result.insertedBefore} readings (${result.triggers.join(", ")}; history lost): ` +
      `during the gap ${result.gapUpdated.length} captured readings were updated and ${result.gapDeleted.length} deleted; ` +
      `change events never delivered: ${dropped || "none"}`,
  ];
  for (const r of result.resumes)
    lines.push(
      `Noticed by the heartbeat and resumed ${r.disableToken ? "without" : "from"} its resume token after ${s(r.at - result.suspendedAt)}: ${r.trigger}`,
    );
  if (result.resumes.length === 0) lines.push("The heartbeat resumed nothing (see .local/functions.log)");
  if (result.signal)
    lines.push(
      `Reconcile signal ${result.signal.id} for ${result.signal.collections.join(", ")} inserted after ${s(result.signal.insertedAt - result.suspendedAt)}: ${result.signal.status}`,
    );
  else lines.push("No reconcile signal was inserted");
  lines.push(
    `Healed: ${result.signal ? result.signal.resent : 0} documents re-sent; ${result.deletesGone} of ${result.gapDeleted.length} documents deleted during the gap removed from the mirror; ` +
      `${result.updatesRepaired} of ${result.gapUpdated.length} gap updates in the mirror`,
  );
  if (result.differentOutsideGap.length > 0)
    lines.push(
      `${result.differentOutsideGap.length} documents the gap did not update differ from their source, e.g. ${result.differentOutsideGap[0]}`,
    );
  return lines;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
