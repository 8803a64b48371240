import { describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../src/embedded/store";
import { loadAppServicesFunction, makeFakeContext } from "../helpers/app-services";
import { readChangeEvent } from "../helpers/capture";
import { MASK_KEY, SECRETS, USERS_OPTIONS } from "../helpers/capture-options";

describe("functions/publishChangeToKinesis.js with bad or missing values keeps every event", () => {
  it.each([
    {
      name: "no AWS credentials",
      values: {},
      reason: /missing values: AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/,
    },
    {
      name: "an endpoint that is not a URL",
      values: {
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "a",
        AWS_SECRET_ACCESS_KEY: "b",
        KINESIS_ENDPOINT: "kinesis.local",
      },
      reason: /KINESIS_ENDPOINT "kinesis.local" is not an http\(s\) URL/,
    },
    {
      name: "an unknown encoding",
      values: { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b", ARRAY_ENCODING: "csv" },
      reason: /ARRAY_ENCODING must be one of array, array_string/,
    },
    {
      name: "a retry count out of range",
      values: { KINESIS_MAX_ATTEMPTS: "0" },
      reason: /KINESIS_MAX_ATTEMPTS must be a whole number from 1 to 10/,
    },
  ])("$name: the event goes to the outbox with the reason", async ({ values, reason }) => {
    const store = new EmbeddedStore();
    const publish = loadAppServicesFunction("publishChangeToKinesis", makeFakeContext({ dataSource: store, values }));
    expect(await publish(readChangeEvent("insert"))).toMatchObject({ result: "outboxed" });
    const [entry] = await store.db("streamkap").collection("kinesis_outbox").find({}).toArray();
    expect(entry.lastError).toMatch(reason);
    expect(entry.attempts).toBe(1);
  });
});

describe("functions/publishChangeToKinesis.js never outboxes as publishable what its capture options keep in", () => {
  const users = () => readChangeEvent("options/users-insert");

  it.each([
    {
      name: "capture options that cannot be read (and so unknown)",
      values: { CAPTURE_OPTIONS: "[{not json" },
      reason: /capture options cannot be read \(CAPTURE_OPTIONS is not valid JSON\)/,
    },
    {
      name: "another value that cannot be read, next to valid options",
      values: { CAPTURE_OPTIONS: USERS_OPTIONS, CAPTURE_MASK_KEY: MASK_KEY, KINESIS_MAX_ATTEMPTS: "0" },
      reason: null,
    },
    {
      name: "options that mask with no mask key",
      values: { CAPTURE_OPTIONS: USERS_OPTIONS },
      reason: /CAPTURE_MASK_KEY is not set, and app.users masks phone/,
    },
  ])("$name: the event waits unshaped (pending) or shaped, never as an unshaped record", async ({ values, reason }) => {
    const store = new EmbeddedStore();
    const publish = loadAppServicesFunction("publishChangeToKinesis", makeFakeContext({ dataSource: store, values }));
    expect(await publish(users())).toMatchObject({ result: "outboxed" });
    const [entry] = await store.db("streamkap").collection("kinesis_outbox").find({}).toArray();
    if (reason) {
      expect(entry).toMatchObject({ shaping: "pending", lastError: expect.stringMatching(reason) });
    } else {
      // Kinesis is misconfigured, but the options could be read: the record waits shaped.
      expect(entry.shaping).toBe("applied");
      expect(SECRETS.filter((secret) => (entry.data as string).includes(secret))).toEqual([]);
    }
  });
});
