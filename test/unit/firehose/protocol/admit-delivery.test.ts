import { describe, expect, it } from "vitest";
import { InflightBudget } from "../../../../src/adapters/node-http/inflight-budget";
import { admitDelivery, deliveryCost } from "../../../../src/core/firehose/protocol/admit-delivery";
import { TEST_ACCESS_KEY } from "../../../helpers/firehose";

/** The core's admission with the host state only the Node server has: a drain and a byte budget. */
const config = { accessKeys: [TEST_ACCESS_KEY], maxBodyBytes: 1000 };
const headers = (extra: Record<string, string> = {}) => ({
  "x-amz-firehose-access-key": TEST_ACCESS_KEY,
  "x-amz-firehose-request-id": "r-1",
  ...extra,
});
const post = (extra?: Record<string, string>) => ({ method: "POST", headers: headers(extra) });

describe("admitDelivery", () => {
  it.each([
    {
      name: "a draining host, before anything else",
      head: { method: "GET", headers: {} },
      draining: true,
      code: "draining",
    },
    { name: "a declared length at the limit", head: post({ "content-length": "1000" }), code: undefined },
    { name: "a declared length over the limit", head: post({ "content-length": "1001" }), code: "body_too_large" },
    {
      name: "a Content-Length that is not a number (read as undeclared)",
      head: post({ "content-length": "x" }),
      code: undefined,
    },
  ])("$name -> $code", ({ head, draining, code }) => {
    const result = admitDelivery(head, config, { requireRequestId: true, draining });
    expect(result.ok ? undefined : result.error.code).toBe(code);
  });

  it.each([
    { name: "a declared body", declared: 300, encoding: undefined, cost: 300 },
    { name: "a gzip body: also the most it may inflate to", declared: 300, encoding: "gzip", cost: 1300 },
    { name: "a body without Content-Length: reserves as it reads", declared: undefined, encoding: undefined, cost: 0 },
  ])("reserves what $name may hold", ({ declared, encoding, cost }) => {
    expect(deliveryCost(declared, encoding, config.maxBodyBytes)).toBe(cost);
    const extra: Record<string, string> = {};
    if (declared !== undefined) extra["content-length"] = String(declared);
    if (encoding !== undefined) extra["content-encoding"] = encoding;
    const budget = new InflightBudget(10_000);
    const result = admitDelivery(post(extra), config, { requireRequestId: true, budget });
    expect(result.ok && result.value.reservation).toEqual({ bytes: cost });
    expect(budget.bytes()).toBe(cost);
  });

  it("refuses past the budget with 503's code, but always admits one delivery when nothing is held", () => {
    const budget = new InflightBudget(500);
    const big = post({ "content-length": "900" });
    const first = admitDelivery(big, config, { requireRequestId: true, budget });
    expect(first.ok).toBe(true);
    const second = admitDelivery(big, config, { requireRequestId: true, budget });
    expect(second.ok ? undefined : second.error).toMatchObject({ kind: "unavailable", code: "inflight_budget" });
    budget.release((first as { value: { reservation: { bytes: number } } }).value.reservation);
    expect(budget.bytes()).toBe(0);
    expect(admitDelivery(big, config, { requireRequestId: true, budget }).ok).toBe(true);
  });

  it("lets a body without Content-Length grow only while it fits beside the others", () => {
    const budget = new InflightBudget(500);
    const alone = budget.reserve(0)!;
    expect(budget.grow(alone, 800)).toBe(true); // nothing else held: one delivery always proceeds
    expect(budget.reserve(0)).toBeUndefined(); // the budget is spent: the next waits for its 503 retry
    budget.release(alone);
    const first = budget.reserve(0)!;
    expect(budget.grow(first, 400)).toBe(true);
    const second = budget.reserve(0)!;
    expect(budget.grow(second, 200)).toBe(false);
    budget.release(first);
    expect(budget.grow(second, 100)).toBe(true);
    expect(budget.bytes()).toBe(100);
  });
});
