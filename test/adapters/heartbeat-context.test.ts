import { Double, Int32 } from "bson";
import { describe, expect, it } from "vitest";
import { captureCheckHandoff } from "../../src/adapters/app-services/capture-health";
import type { AppServicesContext } from "../../src/adapters/app-services/globals";
import { CAPTURE_CHECK_FUNCTION, heartbeatFromContext } from "../../src/adapters/app-services/heartbeat";
import { EmbeddedStore } from "../../src/embedded/store";

const AT = Date.UTC(2026, 11, 7, 6, 0);

describe("captureCheckHandoff: checkCaptureHealth's arguments, as the heartbeat passes them or a person does", () => {
  it.each<{ name: string; args: unknown[]; expected: object | undefined }>([
    { name: "none (run by hand)", args: [], expected: undefined },
    { name: "milliseconds and a depth", args: [AT, 3], expected: { heartbeatWrittenAt: new Date(AT), outboxDepth: 3 } },
    { name: "no previous heartbeat", args: [null, 0], expected: { heartbeatWrittenAt: null, outboxDepth: 0 } },
    { name: "a date", args: [new Date(AT), 1], expected: { heartbeatWrittenAt: new Date(AT), outboxDepth: 1 } },
    {
      name: "BSON numbers (arguments that crossed EJSON)",
      args: [new Double(AT), new Int32(2)],
      expected: { heartbeatWrittenAt: new Date(AT), outboxDepth: 2 },
    },
  ])("$name", ({ args, expected }) => {
    expect(captureCheckHandoff(args)).toEqual(expected);
  });

  it.each<{ name: string; args: unknown[] }>([
    { name: "a time as text", args: ["2026-12-07", 1] },
    { name: "no depth", args: [AT] },
    { name: "a negative depth", args: [AT, -1] },
    { name: "a fractional depth", args: [AT, 1.5] },
    { name: "a time that is not finite", args: [Number.NaN, 1] },
  ])("refuses $name, saying what it takes", ({ args }) => {
    expect(() => captureCheckHandoff(args)).toThrow(
      expect.objectContaining({
        code: "capture_check_handoff_invalid",
        kind: "refused",
        message: expect.stringMatching(/^checkCaptureHealth takes the previous heartbeat's time .* not /),
      }),
    );
  });
});

function contextWith(
  values: Record<string, unknown>,
  execute?: (name: string, ...args: unknown[]) => Promise<unknown>,
) {
  const store = new EmbeddedStore();
  const context: AppServicesContext = {
    values: { get: (name) => values[name] },
    services: { get: (name) => (name === "mongodb-atlas" ? store : undefined) },
    ...(execute ? { functions: { execute } } : {}),
  };
  return { context, store };
}

describe("heartbeatFromContext: the heartbeat's settings and its handoff", () => {
  it("reads only its own settings: a bad capture option does not touch the heartbeat", () => {
    const { context } = contextWith({ APP_NAME: "orders-app", CAPTURE_OPTIONS: "not json", KINESIS_MAX_ATTEMPTS: "0" });
    expect(heartbeatFromContext(context).config).toMatchObject({
      appName: "orders-app",
      heartbeatDatabase: "streamkap",
    });
  });

  it("a bad value of its own fails the run, naming the value, rather than beating where nobody looks", () => {
    const { context } = contextWith({ HEARTBEAT_DATABASE: "$bad" });
    expect(() => heartbeatFromContext(context)).toThrow(
      /^HEARTBEAT_DATABASE "\$bad" is not a valid database name: it holds "\$"/,
    );
  });

  it(`calls ${CAPTURE_CHECK_FUNCTION} with the time in milliseconds and the depth, and ignores a result that is no report`, async () => {
    const calls: unknown[][] = [];
    const answers: unknown[] = [{ stream: { state: "ok" }, adminApi: "ok", problems: [] }, "done", null];
    const { context } = contextWith({}, async (...call) => (calls.push(call), answers.shift()));
    const { checkCapture } = heartbeatFromContext(context);
    expect(await checkCapture?.({ heartbeatWrittenAt: new Date(AT), outboxDepth: 5 })).toMatchObject({
      adminApi: "ok",
    });
    expect(await checkCapture?.({ heartbeatWrittenAt: null, outboxDepth: 0 })).toBeUndefined();
    expect(await checkCapture?.({ heartbeatWrittenAt: null, outboxDepth: 0 })).toBeUndefined();
    expect(calls).toEqual([
      [CAPTURE_CHECK_FUNCTION, AT, 5],
      [CAPTURE_CHECK_FUNCTION, null, 0],
      [CAPTURE_CHECK_FUNCTION, null, 0],
    ]);
  });

  it("without context.functions (a host that has none), no check", () => {
    expect(heartbeatFromContext(contextWith({}).context).checkCapture).toBeUndefined();
  });
});
