import { Double, EJSON, ObjectId } from "bson";
import { randomBytes } from "node:crypto";
import { captureHealthId } from "../core/capture/health/capture-health";
import { captureSettings } from "../core/capture/config";
import type { Document } from "../core/ports";
import { readSetting } from "../core/settings";
import { startLocalAdminApi, type LocalAdminApi, type SuspensionField } from "./admin-api-server";
import { SOURCE, type Pipeline, type VerifyResult } from "./pipeline";

/**
 * `npm start -- --events N --suspend-capture`: capture stops as it does on Atlas when a trigger is
 * suspended (a network error) and its resume token then leaves the oplog, while readings keep coming
 * and already-captured readings are updated and deleted. The heartbeat notices through the (local)
 * Admin API's documented signals only (the TRIGGER_FAILURE log, the latest execution that stopped),
 * tries to resume from the token, which fails as the history is lost, resumes without it and
 * inserts a reconcile signal; the run ends with the usual exact check.
 *
 * The local Admin API serves the heartbeat through the very values a deployment sets
 * (ADMIN_API_URL, the key pair, ADMIN_API_GROUP_ID, ADMIN_API_APP_ID, CAPTURE_AUTO_RESUME).
 */

/** The heartbeat runs every second here (every minute on Atlas); a heartbeat 10 s late counts as a stall (a busy machine delays them by seconds). */
export const DEMO_HEARTBEAT_EVERY_MS = 1_000;
const DEMO_STALL_AFTER_MS = 10_000;
/** Why the triggers are suspended: nothing in it says the history is lost (that is found out by resuming). */
export const DEMO_SUSPENSION_ERROR =
  "(NetworkTimeout) connection to the cluster closed while reading the change stream";

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
  /** The heartbeat's resume calls: when, with or without the token, and what the Admin API answered. */
  resumes: { at: number; trigger: string; disableToken: boolean; status: number }[];
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
    const scene = sceneOf(pipeline);

    // Wait until a third is in and enough readings have landed in the mirror (captured for sure).
    const suspendAfter = Math.floor(events / 3);
    while (sensor.inserted < suspendAfter || (await scene.inMirror(2 * gap)).length < 2 * gap) {
      if (Date.now() > deadline) throw new Error("the readings did not land in time to suspend capture");
      await sleep(20);
    }
    await afterNextHealthCheck(scene);
    const landed = await scene.inMirror(2 * gap);
    const triggers = pipeline.runtime
      .listDatabaseTriggers()
      .filter((t) => t.functionName === "publishChangeToKinesis")
      .map((t) => t.name);
    const suspendedAt = Date.now();
    const insertedBefore = sensor.inserted;
    for (const name of triggers)
      pipeline.runtime.suspendTrigger(name, { historyLost: true, error: DEMO_SUSPENSION_ERROR });
    const { gapUpdated, gapDeleted } = await writeGap(scene, landed);
    await sensor.finished;

    const signal = await waitForReconcile(scene, deadline);
    const verify = await waitForMirror(scene, deadline);

    let deletesGone = 0;
    for (const hex of gapDeleted)
      if (!(await scene.target.findOne({ _id: ObjectId.createFromHexString(hex) }))) deletesGone++;
    let updatesRepaired = 0;
    for (const hex of gapUpdated) {
      const mirrored = await scene.target.findOne({ _id: ObjectId.createFromHexString(hex) });
      if (mirrored && mirrored.recalibrated === true) updatesRepaired++;
    }
    const expected = sensor.inserted - gapDeleted.length;
    // Keys as verify() writes them.
    const updatedKeys = new Set(
      gapUpdated.map((hex) => EJSON.stringify(ObjectId.createFromHexString(hex), { relaxed: false })),
    );
    return {
      suspendedAt,
      triggers,
      insertedBefore,
      dropped: droppedEvents(pipeline),
      gapUpdated,
      gapDeleted,
      resumes: this.resumes(pipeline),
      signal: signal && describeSignal(signal),
      health: (await scene.status.findOne({ _id: captureHealthId(scene.app) })) || undefined,
      deletesGone,
      updatesRepaired,
      differentOutsideGap: verify.different.filter((key) => !updatedKeys.has(key)),
      verify,
      expected,
      exact: verify.exact && verify.sources === expected,
    };
  }

  /** The heartbeat's resume calls to the local Admin API, by trigger name. */
  private resumes(pipeline: Pipeline): HealResult["resumes"] {
    const ids = new Map(pipeline.runtime.listDatabaseTriggers().map((t) => [t.id, t.name]));
    return this.admin.calls
      .filter((c) => c.operation === "adminResumeTrigger")
      .map((c) => ({
        at: c.at,
        trigger: ids.get(decodeURIComponent(c.path.split("/")[6] || "")) || c.path,
        disableToken: (c.body as { disable_token?: unknown } | undefined)?.disable_token === true,
        status: c.status,
      }));
  }

  async stop(): Promise<void> {
    await this.admin.stop();
  }
}

/** The collections the demo reads and writes, where the pipeline's functions keep them, and the app's name. */
function sceneOf(pipeline: Pipeline) {
  const { target, status, signal, outbox } = pipeline.namespaces;
  // The capture check records its health under the app name the functions run with.
  const app = readSetting((name) => pipeline.runtime.values.get(name), captureSettings.appName);
  const collection = <T>(ns: { db: string; coll: string }) =>
    pipeline.store.db(ns.db).collection(ns.coll) as unknown as T;
  const mirror = collection<{
    findOne(filter: Document): Promise<Document | null>;
    find(filter: Document): { sort(s: Document): { limit(n: number): { toArray(): Promise<Document[]> } } };
  }>(target);
  return {
    pipeline,
    app,
    reports: collection<{
      updateOne(filter: Document, update: Document): Promise<unknown>;
      deleteOne(filter: Document): Promise<unknown>;
    }>(SOURCE),
    // The mirror (the embedded store or MONGODB_URI's).
    target: mirror,
    status: collection<{ findOne(filter: Document): Promise<Document | null> }>(status),
    signals: collection<{ find(filter: Document): { toArray(): Promise<Document[]> } }>(signal),
    outbox: collection<{ countDocuments(filter?: Document): Promise<number> }>(outbox),
    /** The hex `_id`s of the first `count` readings in the mirror. */
    inMirror: async (count: number) =>
      (await mirror.find({}).sort({ _id: 1 }).limit(count).toArray()).map((d) => (d._id as ObjectId).toHexString()),
  };
}

type Scene = ReturnType<typeof sceneOf>;

/** Returns just after a heartbeat has checked capture, so a gap starting now lasts until the next (about a second). */
async function afterNextHealthCheck(scene: Scene): Promise<void> {
  const checkedAt = async () => {
    const doc = await scene.status.findOne({ _id: captureHealthId(scene.app) });
    return doc && doc.checkedAt instanceof Date ? doc.checkedAt.getTime() : 0;
  };
  const lastCheck = await checkedAt();
  for (const until = Date.now() + 3 * DEMO_HEARTBEAT_EVERY_MS; Date.now() < until;) {
    if ((await checkedAt()) !== lastCheck) break;
    await sleep(5);
  }
}

/**
 * The gap's writes, at once, before the next heartbeat can notice: every other reading the mirror
 * already holds updated, the rest deleted, while the sensor keeps inserting.
 */
async function writeGap(
  scene: Scene,
  landed: readonly string[],
): Promise<{ gapUpdated: string[]; gapDeleted: string[] }> {
  const gapUpdated: string[] = [];
  const gapDeleted: string[] = [];
  for (let i = 0; i < landed.length; i++) {
    const _id = ObjectId.createFromHexString(landed[i]);
    if (i % 2 === 0) {
      await scene.reports.updateOne({ _id }, { $set: { temperature: new Double(-40.5), recalibrated: true } });
      gapUpdated.push(landed[i]);
    } else {
      await scene.reports.deleteOne({ _id });
      gapDeleted.push(landed[i]);
    }
  }
  return { gapUpdated, gapDeleted };
}

/** The heal: the heartbeat resumes the triggers, then inserts a reconcile signal; waits until it has run. */
async function waitForReconcile(scene: Scene, deadline: number): Promise<Document | undefined> {
  let signal: Document | undefined;
  while (Date.now() < deadline) {
    [signal] = await scene.signals.find({ "data.reconcile": true }).toArray();
    if (signal && (signal.status === "done" || signal.status === "failed")) break;
    await sleep(200);
  }
  return signal;
}

/**
 * Waits until the mirror is exact, or every change has been put and delivered and the mirror has
 * not moved for a while; its last check.
 */
async function waitForMirror(scene: Scene, deadline: number): Promise<VerifyResult> {
  const { pipeline } = scene;
  const settled = async () =>
    pipeline.runtime.listDatabaseTriggers().every((t) => t.pending === 0) &&
    (await scene.outbox.countDocuments({})) === 0;
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
  return verify;
}

/** Change events the suspended triggers never delivered, by operation type. */
function droppedEvents(pipeline: Pipeline): Record<string, number> {
  const dropped: Record<string, number> = {};
  for (const t of pipeline.runtime.listDatabaseTriggers())
    for (const [op, n] of Object.entries(t.dropped)) dropped[op] = (dropped[op] || 0) + n;
  return dropped;
}

function describeSignal(signal: Document): NonNullable<HealResult["signal"]> {
  return {
    id: EJSON.stringify(signal._id),
    collections: ((signal.data as Document)["data-collections"] as string[]) || [],
    insertedAt: signal.createdAt instanceof Date ? signal.createdAt.getTime() : NaN,
    status: String(signal.status),
    resent: Object.values((signal.progress as Record<string, { count?: number }>) || {}).reduce(
      (sum, p) => sum + (p.count || 0),
      0,
    ),
  };
}

/** The demo's story, a line per step, for `npm start`. */
export function describeHeal(result: HealResult): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const dropped = Object.entries(result.dropped)
    .map(([op, n]) => `${n} ${op}s`)
    .join(", ");
  const lines = [
    `Capture suspended after ${result.insertedBefore} readings (${result.triggers.join(", ")}; a network error, then the history lost): ` +
      `during the gap ${result.gapUpdated.length} captured readings were updated and ${result.gapDeleted.length} deleted; ` +
      `change events never delivered: ${dropped || "none"}`,
  ];
  for (const r of result.resumes)
    lines.push(
      r.status === 204
        ? `Resumed by the heartbeat ${r.disableToken ? "without" : "from"} its resume token after ${s(r.at - result.suspendedAt)}: ${r.trigger}`
        : `The heartbeat's resume ${r.disableToken ? "without" : "from"} its resume token was refused (${r.status}) after ${s(r.at - result.suspendedAt)}: ${r.trigger}`,
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
