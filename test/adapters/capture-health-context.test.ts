import { describe, expect, it } from "vitest";
import { captureHealthFromContext } from "../../src/adapters/app-services/capture-health";
import type { AppServicesContext } from "../../src/adapters/app-services/globals";

/** App Services' context with these values and the running app's ids. */
function contextWith(values: Record<string, unknown>, app: AppServicesContext["app"] = {}): AppServicesContext {
  return { values: { get: (name) => values[name] }, services: { get: () => undefined }, app };
}
const KEYS = { ADMIN_API_PUBLIC_KEY: "abcdefgh", ADMIN_API_PRIVATE_KEY: "0f1e2d3c-private" };
const APP = { id: "60c8e59866b0c33d14ee634a", projectId: "5f7c0a0a0a0a0a0a0a0a0a0a" };

describe("captureHealthFromContext: the heartbeat's Admin API set-up from values", () => {
  it.each<{ name: string; values: Record<string, unknown>; app?: AppServicesContext["app"]; expected: object }>([
    {
      name: "no key (secrets given the text none): the stream check only",
      values: { ADMIN_API_PUBLIC_KEY: "none", ADMIN_API_PRIVATE_KEY: "NONE" },
      app: APP,
      expected: { admin: false, groupId: APP.projectId, appId: APP.id },
    },
    {
      name: "a key and the running app's ids",
      values: KEYS,
      app: APP,
      expected: { admin: true, groupId: APP.projectId, appId: APP.id },
    },
    {
      name: "ids from values win over the running app's",
      values: { ...KEYS, ADMIN_API_GROUP_ID: "g", ADMIN_API_APP_ID: "a" },
      app: APP,
      expected: { admin: true, groupId: "g", appId: "a" },
    },
    {
      name: "half a key",
      values: { ADMIN_API_PUBLIC_KEY: "abcdefgh" },
      app: APP,
      expected: { admin: false, adminProblem: "the Admin API needs ADMIN_API_PRIVATE_KEY" },
    },
    {
      name: "a key but no ids anywhere",
      values: KEYS,
      app: {},
      expected: {
        admin: false,
        adminProblem:
          "the Admin API needs ADMIN_API_GROUP_ID (no context.app.projectId either), ADMIN_API_APP_ID (no context.app.id either)",
      },
    },
    {
      name: "a value that does not parse: the defaults, and the reason",
      values: { ...KEYS, CAPTURE_AUTO_RESUME: "yes" },
      app: APP,
      expected: {
        admin: false,
        adminProblem: "CAPTURE_AUTO_RESUME must be true or false; checking the stream only",
        config: expect.objectContaining({ autoResume: false, stallAfterMs: 45_000 }),
      },
    },
  ])("$name", ({ values, app, expected }) => {
    // Act
    const setup = captureHealthFromContext(contextWith(values, app));
    // Assess
    const { admin, ...rest } = expected as { admin: boolean };
    expect(setup.admin !== undefined).toBe(admin);
    expect(setup).toMatchObject(rest);
    if (!("adminProblem" in rest)) expect(setup.adminProblem).toBeUndefined();
    expect(JSON.stringify(setup.adminProblem ?? "")).not.toContain("0f1e2d3c");
  });

  it("keeps one client per key and app, so its access token is reused across runs", () => {
    const first = captureHealthFromContext(contextWith(KEYS, APP)).admin;
    expect(captureHealthFromContext(contextWith(KEYS, APP)).admin).toBe(first);
    expect(captureHealthFromContext(contextWith({ ...KEYS, ADMIN_API_APP_ID: "other" }, APP)).admin).not.toBe(first);
  });
});
