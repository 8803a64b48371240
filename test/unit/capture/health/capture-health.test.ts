import { describe, expect, it } from "vitest";
import {
  captureHealthId,
  checkCapture,
  streamVerdict,
  type CaptureHealthDeps,
  type CaptureHealthReport,
} from "../../../../src/core/capture/health/capture-health";
import { emitHeartbeat } from "../../../../src/core/capture/health/heartbeat";
import { readCaptureHealthConfig } from "../../../../src/core/capture/health/health-config";
import { recordHeartbeatOnStream } from "../../../../src/core/capture/publish/put-status";
import {
  AdminApiError,
  readTriggerState,
  type TriggerAdminPort,
} from "../../../../src/core/capture/health/trigger-admin";
import type { Document } from "../../../../src/core/ports";
import { makeCaptureDeps } from "../../../helpers/capture";
import { readFixture } from "../../../helpers/fixtures";

const LISTED = readFixture<Record<string, unknown>[]>("admin-api/triggers.json");
const REPORTS = "capture_monitors_reports";
const HEARTBEAT = "capture_streamkap_streamkap_heartbeat";
const HISTORY_LOST =
  "(ChangeStreamHistoryLost) Resume of change stream was not possible, as the resume point may no longer be in the oplog.";
const MINUTE = 60_000;

describe("readTriggerState: a listed trigger, whichever field says it is suspended", () => {
  const reports = () => structuredClone(LISTED[0]);
  it.each<{ name: string; edit: (t: Record<string, unknown>) => void; expected: Record<string, unknown> }>([
    {
      name: "a running capture trigger",
      edit: () => undefined,
      expected: {
        id: "6841b8d3e71dc81bed89dc01",
        state: "running",
        functionName: "publishChangeToKinesis",
        database: "monitors",
        collection: "reports",
        historyLost: false,
      },
    },
    {
      name: "an error text naming ChangeStreamHistoryLost",
      edit: (t) => (t.error = HISTORY_LOST),
      expected: { state: "suspended", reason: HISTORY_LOST, historyLost: true },
    },
    {
      name: "an error text of an invalidate event",
      edit: (t) => (t.error = "change stream was invalidated"),
      expected: { state: "suspended", historyLost: false },
    },
    {
      name: "an error object with a message and the error code 286",
      edit: (t) => (t.error = { message: "resume failed (code 286)" }),
      expected: { state: "suspended", reason: "resume failed (code 286)", historyLost: true },
    },
    {
      name: "an error_code beside a plain error text",
      edit: (t) => Object.assign(t, { error: "resume failed", error_code: "ChangeStreamHistoryLost" }),
      expected: { state: "suspended", historyLost: true },
    },
    {
      name: 'a status "SUSPENDED" without a reason',
      edit: (t) => (t.status = "SUSPENDED"),
      expected: { state: "suspended", reason: "status SUSPENDED", historyLost: false },
    },
    {
      name: 'a status "ACTIVE"',
      edit: (t) => (t.status = "ACTIVE"),
      expected: { state: "running" },
    },
    {
      name: "an empty error",
      edit: (t) => (t.error = " "),
      expected: { state: "running" },
    },
    {
      name: "disabled: true alone (never resumed)",
      edit: (t) => (t.disabled = true),
      expected: { state: "disabled", historyLost: false },
    },
  ])("$name", ({ edit, expected }) => {
    // Prepare
    const raw = reports();
    edit(raw);
    // Act
    const state = readTriggerState(raw);
    // Assess
    expect(state).toMatchObject({ name: REPORTS, ...expected });
  });

  it("takes the function name from event_processors when function_name is absent, and refuses what is not a trigger", () => {
    const raw = reports();
    delete raw.function_name;
    expect(readTriggerState(raw)?.functionName).toBe("publishChangeToKinesis");
    expect(readTriggerState({ name: "x" })).toBeUndefined();
    expect(readTriggerState("x")).toBeUndefined();
  });
});

describe("streamVerdict: has the newest heartbeat reached the stream?", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  const at = (msAgo: number) => new Date(now - msAgo);
  it.each<{ name: string; written: Date | null; record: Document | null; state: string; detail?: RegExp }>([
    { name: "no heartbeat yet", written: null, record: null, state: "unknown" },
    { name: "no record yet (the check starts now)", written: at(60_000), record: null, state: "unknown" },
    {
      name: "the heartbeat is on the stream",
      written: at(60_000),
      record: { heartbeatAt: at(60_000), putAt: at(59_800) },
      state: "ok",
    },
    {
      name: "not on it yet, within the grace",
      written: at(30_000),
      record: { heartbeatAt: at(90_000), putAt: at(89_800) },
      state: "ok",
    },
    {
      name: "not on it after the grace",
      written: at(60_000),
      record: { heartbeatAt: at(120_000), putAt: at(119_800) },
      state: "stalled",
      detail:
        /written at 2026-12-01T11:59:00.000Z has not reached the stream after 60 s; the last heartbeat reached it at 2026-12-01T11:58:00.200Z/,
    },
    {
      name: "written before the check began (an upgrade): not counted",
      written: at(120_000),
      record: { checkSince: at(60_000) },
      state: "ok",
    },
    {
      name: "written after the check began, never put",
      written: at(60_000),
      record: { checkSince: at(60_000) },
      state: "stalled",
      detail: /the last heartbeat reached it at/,
    },
  ])("$name: $state", ({ written, record, state, detail }) => {
    const verdict = streamVerdict(written, record, now, 45_000);
    expect(verdict.state).toBe(state);
    if (detail) expect(verdict.detail).toMatch(detail);
  });
});

/**
 * A scripted Admin API over a copy of the listed triggers, with the documented signals: a running
 * trigger's latest execution completed just now (Atlas keeps it fresh with idle heartbeats), a failed
 * one's stops at its failure, which is logged as TRIGGER_FAILURE. A resume makes it run again unless
 * told otherwise. `suspend` sets the undocumented listed fields (the extra hint).
 */
function fakeAdmin(clock: { now(): number }) {
  const triggers = structuredClone(LISTED);
  const logs: Record<string, unknown>[] = [];
  const stoppedAt = new Map<string, number>();
  const calls: { op: "list" | "resume" | "execution" | "logs"; id?: string; disableToken?: boolean }[] = [];
  const byName = (name: string) => triggers.find((t) => t.name === name) as Record<string, unknown>;
  let listFailure: Error | undefined;
  let signalFailure: Error | undefined;
  const run = (t: Record<string, unknown>) => {
    stoppedAt.delete(t._id as string);
    delete t.error;
    delete t.error_code;
    delete t.status;
  };
  let onResume: (t: Record<string, unknown>, disableToken: boolean) => void = run;
  const port: TriggerAdminPort = {
    async listTriggers() {
      calls.push({ op: "list" });
      if (listFailure) throw listFailure;
      return structuredClone(triggers);
    },
    async resumeTrigger(id, disableToken) {
      calls.push({ op: "resume", id, disableToken });
      onResume(triggers.find((t) => t._id === id) as Record<string, unknown>, disableToken);
    },
    async latestExecution(id) {
      calls.push({ op: "execution", id });
      if (signalFailure) throw signalFailure;
      return { completed_at: { $date: new Date(stoppedAt.get(id) ?? clock.now()).toISOString() } };
    },
    async triggerFailureLogs(since) {
      calls.push({ op: "logs" });
      if (signalFailure) throw signalFailure;
      return logs.filter((l) => Date.parse(l.completed as string) > since.getTime());
    },
  };
  /** The trigger fails at `at` (default now): logged, and its executions stop there. */
  const fail = (name: string, error: string, at = clock.now()) => {
    const id = byName(name)._id as string;
    stoppedAt.set(id, at - 1_000);
    logs.push({
      _id: `log${logs.length}`,
      type: "TRIGGER_FAILURE",
      event_subscription_id: id,
      event_subscription_name: name,
      error,
      started: new Date(at).toISOString(),
      completed: new Date(at).toISOString(),
    });
  };
  return {
    port,
    calls,
    resumes: () => calls.filter((c) => c.op === "resume").map(({ op, id, disableToken }) => ({ op, id, disableToken })),
    fail,
    /** Its executions stop at `at` without a log (the processor is down or stuck). */
    stop: (name: string, at: number) => stoppedAt.set(byName(name)._id as string, at),
    suspend: (name: string, fields: Record<string, unknown>) => {
      Object.assign(byName(name), fields);
      stoppedAt.set(byName(name)._id as string, clock.now() - 1_000);
    },
    failListing: (error: Error | undefined) => (listFailure = error),
    failSignals: (error: Error | undefined) => (signalFailure = error),
    whenResumed: (f: (t: Record<string, unknown>, disableToken: boolean, run: () => void) => void) =>
      (onResume = (t, disableToken) => f(t, disableToken, () => run(t))),
    byName,
  };
}

/**
 * The heartbeat core handing its capture check over in process, as checkCaptureHealth receives it
 * in App Services (context.functions.execute with the previous heartbeat's time and the outbox depth).
 */
function beatAndCheck(
  deps: ReturnType<typeof makeCaptureDeps>,
  check: Omit<CaptureHealthDeps, "config" | "status" | "clock" | "logger">,
) {
  return emitHeartbeat({
    ...deps,
    checkCapture: (handoff) =>
      checkCapture(
        { ...check, config: deps.config, status: deps.status, clock: deps.clock, logger: deps.logger },
        handoff.heartbeatWrittenAt,
        handoff.outboxDepth,
      ),
  });
}

/** The heartbeat core with the capture check, on the embedded store and a clock that moves only when told. */
function heartbeatHarness(values: Record<string, unknown> = {}, withAdmin = true) {
  const deps = makeCaptureDeps({
    values: { CAPTURED_NAMESPACES: ["monitors.reports", "streamkap.streamkap_heartbeat"], ...values },
  });
  const admin = fakeAdmin(deps.clock);
  const health = readCaptureHealthConfig((name) =>
    name === "CAPTURED_NAMESPACES" ? ["monitors.reports", "streamkap.streamkap_heartbeat"] : values[name],
  );
  const run = () =>
    beatAndCheck(deps, {
      health,
      signals: deps.signals,
      dataSource: deps.dataSource,
      bson: deps.bson,
      admin: withAdmin ? admin.port : undefined,
      groupId: "5f7c0a0a0a0a0a0a0a0a0a0a",
      appId: "60c8e59866b0c33d14ee634a",
    });
  /** What the capture trigger does with the heartbeat it just wrote: puts it, and records it. */
  const putLatestHeartbeat = async (afterMs = 300) => {
    const doc = (await deps.heartbeat.findOne({ _id: "atlas-kinesis-bridge" })) as Document;
    await recordHeartbeatOnStream(deps.status, "atlas-kinesis-bridge", doc.at as Date, deps.clock.now() + afterMs);
  };
  const report = async () =>
    (await deps.status.findOne({ _id: captureHealthId("atlas-kinesis-bridge") })) as unknown as CaptureHealthReport;
  const problemsLogged = () => deps.logger.lines.filter((l) => l.msg === "capture stopped");
  return { deps, admin, run, putLatestHeartbeat, report, problemsLogged };
}

describe("the heartbeat's stream check (no Admin API needed)", () => {
  it("a healthy minute never alarms: every heartbeat reaches the stream within a second", async () => {
    const h = heartbeatHarness({}, false);
    for (let minute = 0; minute < 6; minute++) {
      const result = await h.run();
      expect(result.capture?.stream.state).not.toBe("stalled");
      await h.putLatestHeartbeat(800);
      h.deps.time.advance(MINUTE);
    }
    expect(h.problemsLogged()).toEqual([]);
    expect((await h.report()).stream.state).toBe("ok");
  });

  it("a stall shows within 3 minutes, as an error with what to do, and in the status collection", async () => {
    const h = heartbeatHarness({}, false);
    for (let minute = 0; minute < 3; minute++) {
      await h.run();
      await h.putLatestHeartbeat();
      h.deps.time.advance(MINUTE);
    }
    // Capture stops just after the last put; the heartbeat goes on every minute, as scheduled.
    const stalledAt = h.deps.clock.now() - MINUTE + 1_000;
    let noticedAt: number | undefined;
    for (let minute = 0; minute < 4 && noticedAt === undefined; minute++) {
      const result = await h.run();
      if (result.capture?.stream.state === "stalled") noticedAt = h.deps.clock.now();
      else h.deps.time.advance(MINUTE);
    }
    expect(noticedAt).toBeDefined();
    expect((noticedAt as number) - stalledAt).toBeLessThanOrEqual(3 * MINUTE);
    const [line] = h.problemsLogged();
    expect(line).toMatchObject({ level: "error", severity: "critical", what: "capture stream atlas-kinesis-bridge" });
    expect(line.detail).toMatch(/capture has stalled: the heartbeat written at .* has not reached the stream/);
    const steps = (line.steps as string[]).join("\n");
    expect(steps).toContain("Atlas UI: project 5f7c0a0a0a0a0a0a0a0a0a0a → Triggers");
    expect(steps).toContain("/auth/providers/mongodb-cloud/login");
    expect(steps).toContain(
      "https://services.cloud.mongodb.com/api/admin/v3.0/groups/5f7c0a0a0a0a0a0a0a0a0a0a/apps/60c8e59866b0c33d14ee634a/triggers",
    );
    // The reconcile signal to paste covers the captured data, not the heartbeat collection.
    expect(steps).toContain(
      'db.getSiblingDB("streamkap").getCollection("streamkap_signal").insertOne({type: "execute-snapshot",data: {"data-collections":["monitors.reports"],"reconcile":true}})',
    );
    expect((await h.report()).problems[0]).toMatchObject({
      level: "critical",
      what: "capture stream atlas-kinesis-bridge",
    });
  });

  it("names the outbox when events are waiting in it (Kinesis refusing puts)", async () => {
    const h = heartbeatHarness({}, false);
    await h.run();
    h.deps.time.advance(MINUTE);
    await h.run();
    const entry = { partitionKey: "k", data: "{}", operationType: "insert", ns: "monitors.reports", attempts: 4 };
    await h.deps.outbox.updateOne({ _id: "e1" }, { $set: { ...entry, enqueuedAt: new Date() } }, { upsert: true });
    h.deps.time.advance(MINUTE);
    await h.run();
    expect(h.problemsLogged().at(-1)?.detail).toMatch(/the outbox holds 1 entries/);
  });
});

describe("with the Admin API: every capture trigger's state from the documented signals, and healing", () => {
  it("a TRIGGER_FAILURE log with no batch since: reported with its error, since when, the signal and the steps; nothing resumed without CAPTURE_AUTO_RESUME", async () => {
    const h = heartbeatHarness();
    h.admin.fail(REPORTS, HISTORY_LOST);
    const first = await h.run();
    const since = new Date(h.deps.clock.now());
    h.deps.time.advance(MINUTE);
    await h.run();
    expect(h.admin.resumes()).toEqual([]);
    const problem = (await h.report()).problems.find((p) => p.what === `capture trigger ${REPORTS}`);
    expect(problem).toMatchObject({ level: "critical", since });
    expect(problem?.detail).toContain(`suspended since ${since.toISOString()} (${HISTORY_LOST})`);
    expect(problem?.detail).toMatch(
      /seen by: TRIGGER_FAILURE log at .*, no batch completed since \(latest execution at /,
    );
    const steps = (problem?.steps ?? []).join("\n");
    expect(steps).toContain(`→ ${REPORTS} (Status: Suspended) → Restart → restart WITHOUT the resume token`);
    expect(steps).toContain(
      `/groups/5f7c0a0a0a0a0a0a0a0a0a0a/apps/60c8e59866b0c33d14ee634a/triggers/6841b8d3e71dc81bed89dc01/resume -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"disable_token": true}'`,
    );
    expect(steps).toContain('"data-collections":["monitors.reports"],"reconcile":true');
    expect(steps).toContain("CAPTURE_AUTO_RESUME");
    expect(first.capture?.adminApi).toBe("ok");
    // Every signal was read through the port: the listing, the logs, each watched trigger's execution.
    expect(new Set(h.admin.calls.map((c) => c.op))).toEqual(new Set(["list", "logs", "execution"]));
  });

  it.each<{ name: string; act: (h: ReturnType<typeof heartbeatHarness>) => void; state: string }>([
    { name: "nothing logged, executions fresh", act: () => undefined, state: "running" },
    {
      name: "a failure followed by a completed batch (resumed elsewhere)",
      act: (h) => {
        h.admin.fail(REPORTS, "(NetworkTimeout) connection closed", h.deps.clock.now() - 5 * MINUTE);
        h.admin.stop(REPORTS, h.deps.clock.now() - MINUTE);
      },
      state: "running",
    },
    {
      name: "an old completed_at alone on a quiet collection (idle heartbeats come at an undocumented pace)",
      act: (h) => h.admin.stop(REPORTS, h.deps.clock.now() - 60 * MINUTE),
      state: "running",
    },
    {
      name: "a failure with no batch since",
      act: (h) => h.admin.fail(REPORTS, "(ChangeStreamInvalidated) change stream was invalidated"),
      state: "suspended",
    },
    {
      name: "disabled: true alone",
      act: (h) => (h.admin.byName(REPORTS).disabled = true),
      state: "disabled",
    },
  ])("$name: $state", async ({ act, state }) => {
    const h = heartbeatHarness();
    act(h);
    await h.run();
    expect((await h.report()).triggers.find((t) => t.name === REPORTS)?.state).toBe(state);
  });

  it("history lost: resumes without the token, then (running again) inserts one reconcile signal for its collections", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    h.admin.fail(REPORTS, HISTORY_LOST);
    await h.run();
    expect(h.admin.resumes()).toEqual([{ op: "resume", id: "6841b8d3e71dc81bed89dc01", disableToken: true }]);
    expect(await h.deps.signals.countDocuments({})).toBe(0); // not before the trigger runs again
    for (let minute = 0; minute < 3; minute++) {
      h.deps.time.advance(MINUTE);
      await h.run();
    }
    const signals = await h.deps.signals.find({}).toArray();
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      type: "execute-snapshot",
      data: { "data-collections": ["monitors.reports"], reconcile: true },
      requestedBy: "emitHeartbeat",
    });
    const record = (await h.report()).triggers.find((t) => t.name === REPORTS);
    expect(record).toMatchObject({
      state: "running",
      lastResume: { withToken: false, ok: true },
      reconcile: { collections: ["monitors.reports"], signalId: signals[0]._id },
      failure: { error: HISTORY_LOST, historyLost: true },
      evidence: [],
    });
    expect(h.deps.logger.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(["capture trigger resumed", "reconcile signal inserted", "capture trigger running again"]),
    );
    expect(h.admin.resumes()).toHaveLength(1);
  });

  it("the heartbeat's own trigger whose executions stopped before a heartbeat written over 45 s ago: suspended without any log, resumed from its token", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    await h.run();
    await h.putLatestHeartbeat();
    h.admin.stop(HEARTBEAT, h.deps.clock.now() + 500);
    h.deps.time.advance(MINUTE);
    await h.run(); // this heartbeat is written and never processed
    expect(h.admin.resumes()).toEqual([]);
    h.deps.time.advance(MINUTE);
    await h.run();
    expect(h.admin.resumes()).toEqual([{ op: "resume", id: "6841b8d3e71dc81bed89dc02", disableToken: false }]);
    const record = (await h.report()).triggers.find((t) => t.name === HEARTBEAT);
    expect(record?.evidence.join()).toMatch(/latest execution at .*, before the heartbeat written at/);
    // The heartbeat's own collection is never reconciled.
    h.deps.time.advance(MINUTE);
    await h.run();
    expect(await h.deps.signals.countDocuments({})).toBe(0);
  });

  it("resumed from the token and accepted, then failing again with ChangeStreamHistoryLost: resumed without it at the next heartbeat", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    h.admin.fail(REPORTS, "(NetworkTimeout) connection to the cluster closed");
    h.admin.whenResumed((_t, disableToken, run) => {
      if (disableToken) run();
      else h.admin.fail(REPORTS, HISTORY_LOST, h.deps.clock.now() + 200); // fails as it restarts, after the 204
    });
    await h.run();
    h.deps.time.advance(MINUTE);
    await h.run();
    h.deps.time.advance(MINUTE);
    await h.run();
    expect(h.admin.resumes().map((r) => r.disableToken)).toEqual([false, true]);
    expect(await h.deps.signals.countDocuments({ "data.reconcile": true })).toBe(1);
  });

  it("a resume from the token refused with ChangeStreamHistoryLost is retried without the token at once; the failure it logged is not a new one", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    h.admin.fail(REPORTS, "(NetworkTimeout) connection to the cluster closed");
    h.admin.whenResumed((t, disableToken) => {
      if (!disableToken) {
        h.admin.fail(REPORTS, HISTORY_LOST);
        throw new AdminApiError("history_lost", `PUT … answered 400: ${HISTORY_LOST}`, 400);
      }
      // Running again, on a quiet collection: no batch completes, so completed_at does not move.
      delete t.error;
    });
    await h.run();
    expect(h.admin.resumes().map((r) => r.disableToken)).toEqual([false, true]);
    h.deps.time.advance(1); // the resume was answered after the failure its first attempt logged
    for (let minute = 0; minute < 2; minute++) {
      h.deps.time.advance(MINUTE);
      await h.run();
    }
    expect(h.admin.resumes()).toHaveLength(2);
    expect((await h.report()).triggers.find((t) => t.name === REPORTS)?.state).toBe("running");
    expect(await h.deps.signals.countDocuments({ "data.reconcile": true })).toBe(1);
  });

  it("the undocumented listed fields stay an extra hint: a status without a reason, first from the token, then without it", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    h.admin.suspend(REPORTS, { status: "SUSPENDED" });
    h.admin.whenResumed((_t, disableToken, run) => {
      if (disableToken) run(); // from the token it fails again: the history is gone
    });
    await h.run();
    expect((await h.report()).triggers.find((t) => t.name === REPORTS)?.evidence.join()).toMatch(
      /listed status SUSPENDED \(a field the reference does not document\)/,
    );
    h.deps.time.advance(MINUTE);
    await h.run();
    h.deps.time.advance(MINUTE);
    await h.run();
    expect(h.admin.resumes().map((r) => r.disableToken)).toEqual([false, true]);
    expect(await h.deps.signals.countDocuments({ "data.reconcile": true })).toBe(1);
  });

  it("waits for a resume to take effect before trying again (the platform restarts the stream asynchronously)", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    h.admin.suspend(REPORTS, { status: "SUSPENDED" });
    h.admin.whenResumed(() => undefined);
    await h.run();
    h.deps.time.advance(10_000); // a second run soon after (45 s grace)
    await h.run();
    expect(h.admin.resumes()).toHaveLength(1);
    expect((await h.report()).problems.find((p) => p.what.includes(REPORTS))?.detail).toMatch(/waiting for it to run/);
  });

  it("a failed resume stays critical with its error and the steps, and is tried again at the next heartbeat", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    h.admin.fail(REPORTS, HISTORY_LOST);
    h.admin.whenResumed(() => {
      throw new AdminApiError("unauthorized", "PUT …/resume answered 403: not a Project Owner", 403);
    });
    await h.run();
    const problem = (await h.report()).problems.find((p) => p.what.includes(REPORTS));
    expect(problem?.level).toBe("critical");
    expect(problem?.detail).toMatch(/resuming it failed: unauthorized: PUT …\/resume answered 403/);
    expect(problem?.steps.length).toBeGreaterThan(2);
    h.deps.time.advance(MINUTE);
    await h.run();
    expect(h.admin.resumes()).toHaveLength(2);
  });

  it("the heartbeat's own trigger and runSnapshot are resumed, never reconciled", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    h.admin.fail(HEARTBEAT, HISTORY_LOST);
    h.admin.fail("runSnapshot", HISTORY_LOST);
    await h.run();
    h.deps.time.advance(MINUTE);
    await h.run();
    expect(h.admin.resumes()).toHaveLength(2);
    expect(await h.deps.signals.countDocuments({})).toBe(0);
  });

  it("a database-level trigger reconciles the captured collections of its database, listed when the whole database is captured", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    const trigger = h.admin.byName(REPORTS);
    trigger.name = "capture_shop";
    delete (trigger.config as { collection?: string }).collection;
    (trigger.config as { database: string }).database = "shop";
    await h.deps.store.db("shop").collection("orders").insertOne({ _id: 1 });
    await h.deps.store.db("shop").collection("carts").insertOne({ _id: 1 });
    h.admin.fail("capture_shop", HISTORY_LOST);
    // The capture list says "shop.*" (CAPTURED_NAMESPACES keeps the star).
    const health = readCaptureHealthConfig((name) =>
      name === "CAPTURED_NAMESPACES"
        ? ["shop.*", "streamkap.streamkap_heartbeat"]
        : name === "CAPTURE_AUTO_RESUME"
          ? true
          : undefined,
    );
    const run = () =>
      beatAndCheck(h.deps, {
        health,
        signals: h.deps.signals,
        dataSource: h.deps.dataSource,
        bson: h.deps.bson,
        admin: h.admin.port,
      });
    await run();
    h.deps.time.advance(MINUTE);
    await run();
    const [signal] = await h.deps.signals.find({}).toArray();
    expect((signal.data as Document)["data-collections"]).toEqual(["shop.carts", "shop.orders"]);
  });

  it("keeps the last known states when the listing fails, as a warning that says why", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    await h.run();
    await h.putLatestHeartbeat();
    h.admin.failListing(
      new AdminApiError("unauthorized", "POST /auth/providers/mongodb-cloud/login answered 401", 401),
    );
    h.deps.time.advance(MINUTE);
    await h.run();
    const report = await h.report();
    expect(report.adminApi).toBe("failed");
    expect(report.triggers.map((t) => t.name)).toEqual([REPORTS, HEARTBEAT, "runSnapshot"]);
    expect(report.problems).toEqual([
      expect.objectContaining({
        level: "warning",
        what: "Admin API",
        detail: expect.stringMatching(/could not list the triggers: unauthorized/),
      }),
    ]);
    expect(report.problems[0].steps[0]).toMatch(
      /Project Read Only to watch: triggers, executions, logs; Project Owner to resume/,
    );
  });

  it("logs and executions that cannot be read are a warning; the listed hint is still read", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    h.admin.failSignals(new AdminApiError("failed", "GET …/logs answered 500", 500));
    h.admin.suspend(REPORTS, { error: HISTORY_LOST });
    await h.run();
    const report = await h.report();
    expect(report.problems.find((p) => p.what === "Admin API")?.detail).toMatch(
      /could not read the TRIGGER_FAILURE logs: failed: GET …\/logs answered 500; the latest execution of capture_monitors_reports: failed/,
    );
    expect(h.admin.resumes()).toEqual([{ op: "resume", id: "6841b8d3e71dc81bed89dc01", disableToken: true }]);
  });

  it("an execution that cannot be read is not one that stopped: the heartbeat's trigger is not taken for suspended", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    await h.run();
    await h.putLatestHeartbeat();
    h.admin.failSignals(new AdminApiError("unreachable", "GET …/execution: no response within 10000 ms"));
    for (let minute = 0; minute < 2; minute++) {
      h.deps.time.advance(MINUTE);
      await h.run();
    }
    expect((await h.report()).triggers.map((t) => t.state)).toEqual(["running", "running", "running"]);
    expect(h.admin.resumes()).toEqual([]);
  });

  it("reports a disabled trigger and a captured namespace without a trigger; resumes neither", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true });
    h.admin.byName(REPORTS).disabled = true;
    h.admin.byName(HEARTBEAT).name = "renamed";
    await h.run();
    const report = await h.report();
    expect(report.problems.map((p) => [p.level, p.what])).toEqual([
      ["critical", `capture trigger ${REPORTS}`],
      ["critical", `capture trigger ${HEARTBEAT}`],
    ]);
    expect(report.problems[1].detail).toMatch(/not deployed/);
    expect(h.admin.resumes()).toEqual([]);
  });

  it("CAPTURE_AUTO_RESUME without an Admin API key is a warning, not a silent no-op", async () => {
    const h = heartbeatHarness({ CAPTURE_AUTO_RESUME: true }, false);
    await h.run();
    expect((await h.report()).problems).toEqual([
      expect.objectContaining({
        level: "warning",
        what: "Admin API",
        detail: expect.stringMatching(/nothing can be resumed/),
      }),
    ]);
  });
});
