import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Pipeline } from "../../src/local/pipeline";
import { DEMO_HEARTBEAT_EVERY_MS, describeHeal, SuspendCaptureDemo } from "../../src/local/suspend-capture";

/**
 * `npm start -- --events N --suspend-capture` end to end: the whole loop (sensor → capture trigger →
 * kinesalite → Firehose simulator → webhook → embedded store), capture suspended (a network error)
 * with its history lost while readings are inserted, updated and deleted; the built emitHeartbeat
 * notices it through the local Admin API's documented signals only (the TRIGGER_FAILURE log, the
 * execution that stopped; the listed triggers carry no state), tries the resume token, which is
 * refused as the history is lost, resumes without it and inserts a reconcile signal; then the exact check.
 */
const root = resolve(import.meta.dirname, "..", "..");
const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

describe(
  "a suspended capture, noticed, resumed and reconciled (npm start -- --suspend-capture)",
  { timeout: 240_000 },
  () => {
    it("ends with the mirror equal to the source, deletes of the gap included", async () => {
      // Prepare
      const events = 900;
      const demo = await SuspendCaptureDemo.start();
      running.push(() => demo.stop());
      const pipeline = await Pipeline.start({
        root,
        engine: "kinesalite",
        stateDir: mkdtempSync(join(tmpdir(), "akb-heal-")),
        bufferIntervalMs: 300,
        timeScale: 0.05,
        values: demo.values,
        scheduleEveryMs: DEMO_HEARTBEAT_EVERY_MS,
      });
      running.push(() => pipeline.stop());
      demo.attach(pipeline);
      pipeline.startSensor(150, events);

      // Act
      const result = await demo.run(events, { gap: 20, timeoutMs: 180_000 });
      const story = describeHeal(result).join("\n");

      // Assess: capture really lost events (the gap's updates and deletes of captured readings too) ...
      expect(result.triggers).toEqual(["capture_monitors_reports", "capture_streamkap_streamkap_heartbeat"]);
      expect(result.dropped.update).toBeGreaterThan(0);
      expect(result.dropped.delete).toBeGreaterThan(0);
      // ... the heartbeat noticed it within seconds through the documented signals, tried the resume
      // token (refused: the history is lost), and resumed every trigger without it, once ...
      const reports = result.resumes.filter((r) => r.trigger === "capture_monitors_reports");
      expect(reports.map((r) => [r.disableToken, r.status])).toEqual([
        [false, 400],
        [true, 204],
      ]);
      expect(reports[0].at - result.suspendedAt).toBeLessThan(5 * DEMO_HEARTBEAT_EVERY_MS);
      expect(result.resumes.filter((r) => r.status === 204).every((r) => r.disableToken)).toBe(true);
      const listed = demo.admin.calls.filter((c) => c.operation === "adminListTriggers");
      expect(JSON.stringify(listed.map((c) => c.answer))).not.toMatch(/"(error|status|state)":/);
      // ... then inserted the reconcile signal for the trigger's collection, which ran to the end.
      expect(result.signal).toMatchObject({ collections: ["monitors.reports"], status: "done" });
      expect(result.signal!.insertedAt).toBeGreaterThan(reports[1].at);
      // It re-read at least what the source held when capture stopped (later readings were captured again).
      expect(result.signal!.resent).toBeGreaterThanOrEqual(result.insertedBefore - result.gapDeleted.length);
      const record = (result.health?.triggers as { name: string; lastResume: unknown; reconcile: unknown }[]).find(
        (t) => t.name === "capture_monitors_reports",
      );
      expect(record).toMatchObject({
        lastResume: { withToken: false, ok: true },
        reconcile: { collections: ["monitors.reports"] },
        failure: { historyLost: true },
      });

      // The exact end state: nothing missing, extra or different; the gap's deletes gone, its updates in.
      // (This needs the reconcile of branch `reconcile`: reads that win over older changes, and the sweep.)
      const { missing, different, extra, sources } = result.verify;
      expect({ missing, different, extra, sources }, story).toEqual({
        missing: [],
        different: [],
        extra: [],
        sources: result.expected,
      });
      expect(result.deletesGone, story).toBe(result.gapDeleted.length);
      expect(result.updatesRepaired, story).toBe(result.gapUpdated.length);
      expect(result.exact).toBe(true);
    });
  },
);
