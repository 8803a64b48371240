import { Metrics } from "@aws-lambda-powertools/metrics";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createEmfHeartbeatAgePublisher, createEmfObserver } from "../../src/adapters/aws-lambda/emf-metrics";
import { readHeartbeatAges } from "../../src/core/firehose/heartbeat-ages";
import { createFirehoseLambdaHandler } from "../../src/adapters/aws-lambda/firehose-handler";
import { createFirehoseServer, type FirehoseServer } from "../../src/adapters/node-http/firehose-server";
import { readFixture, type FirehoseFixture } from "../helpers/fixtures";
import { lambdaOptions, makeFirehoseDeps, TEST_ACCESS_KEY, testStore } from "../helpers/firehose";
import { httpRequest } from "../helpers/http";

/** Counters move by exactly what each delivery did: on /metrics (Prometheus) and as Lambda EMF lines. */
const running: FirehoseServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.stop()));
  vi.restoreAllMocks();
});

const invalid = readFixture<FirehoseFixture>("firehose/some-invalid-records.json");
const duplicates = readFixture<FirehoseFixture>("firehose/duplicate-ids-last-wins.json");
const bodyOf = (fixture: FirehoseFixture) => JSON.stringify(fixture.body);

/** The value of one sample of the Prometheus text, e.g. sample(text, 'akb_firehose_requests_total{status="200"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics on the Node server", () => {
  async function start(token?: string) {
    const deps = makeFirehoseDeps();
    const server = createFirehoseServer({ deps, store: testStore(), metrics: { token } });
    const port = await server.listen(0, "127.0.0.1");
    running.push(server);
    return { url: `http://127.0.0.1:${port}`, deps };
  }

  it("counts requests by status and records by outcome, exactly as the deliveries' log lines say", async () => {
    const { url, deps } = await start();
    const post = (fixture: FirehoseFixture, headers: Record<string, string> = {}) =>
      httpRequest(`${url}/`, { body: bodyOf(fixture), headers: { ...fixture.headers, ...headers } });
    expect((await post(invalid)).status).toBe(200);
    expect((await post(duplicates)).status).toBe(200);
    expect((await post(duplicates)).status).toBe(200); // a retry: same records again
    expect((await post(invalid, { "X-Amz-Firehose-Access-Key": "wrong" })).status).toBe(401);
    const lines = deps.logger.lines.filter((line) => line.msg === "firehose delivery" && line.status === 200);
    const total = (field: string) => lines.reduce((sum, line) => sum + (line[field] as number), 0);
    const metrics = await httpRequest(`${url}/metrics`, { method: "GET" });
    expect(metrics.status).toBe(200);
    expect(metrics.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = metrics.body;
    expect(sample(text, 'akb_firehose_requests_total{status="200"}')).toBe(3);
    expect(sample(text, 'akb_firehose_requests_total{status="401"}')).toBe(1);
    expect(sample(text, 'akb_firehose_records_total{outcome="stored"}')).toBe(total("stored"));
    expect(sample(text, 'akb_firehose_records_total{outcome="dead_lettered"}')).toBe(total("deadLettered"));
    expect(sample(text, 'akb_firehose_records_total{outcome="empty"}')).toBe(total("empty"));
    expect(sample(text, 'akb_firehose_records_total{outcome="superseded"}')).toBe(total("superseded"));
    expect(sample(text, 'akb_firehose_records_total{outcome="stale"}')).toBe(total("stale"));
    // Every record of an acknowledged delivery has exactly one outcome.
    const outcomes = ["stored", "dead_lettered", "empty", "superseded", "stale"].reduce(
      (sum, o) => sum + (sample(text, `akb_firehose_records_total{outcome="${o}"}`) ?? 0),
      0,
    );
    expect(outcomes).toBe(total("records"));
    expect(total("deadLettered")).toBeGreaterThan(0);
    expect(total("superseded")).toBeGreaterThan(0);
    expect(sample(text, "akb_firehose_request_duration_seconds_count")).toBe(4);
    expect(sample(text, "akb_firehose_inflight_bytes")).toBe(0);
    expect(text).toContain("process_cpu_user_seconds_total");
  });

  it("shows the capture lag per app, read from the heartbeat collection when scraped", async () => {
    const { url, deps } = await start();
    const heartbeats = deps.store.db("monitors").collection("firehose_heartbeats");
    const now = deps.clock.now();
    await heartbeats.insertOne({
      _id: "atlas-kinesis-bridge",
      app: "atlas-kinesis-bridge",
      lastHeartbeatAt: new Date(now - 75_000),
    });
    await heartbeats.insertOne({ _id: "other-app", app: "other-app", lastHeartbeatAt: new Date(now - 4_000) });
    const text = (await httpRequest(`${url}/metrics`, { method: "GET" })).body;
    expect(sample(text, 'akb_capture_heartbeat_age_seconds{app="atlas-kinesis-bridge"}')).toBe(75);
    expect(sample(text, 'akb_capture_heartbeat_age_seconds{app="other-app"}')).toBe(4);
    // Capture stops: no newer heartbeat arrives, and the next scrape says so.
    await heartbeats.deleteMany({ _id: "other-app" });
    const later = (await httpRequest(`${url}/metrics`, { method: "GET" })).body;
    expect(sample(later, 'akb_capture_heartbeat_age_seconds{app="other-app"}')).toBeUndefined();
  });

  it.each([
    { name: "no token", headers: {} as Record<string, string>, status: 401 },
    { name: "a wrong token", headers: { Authorization: "Bearer nope" }, status: 401 },
    { name: "the token", headers: { Authorization: "Bearer s3cret-token" }, status: 200 },
  ])("with METRICS_TOKEN set, answers $name with $status", async ({ headers, status }) => {
    const { url } = await start("s3cret-token");
    expect((await httpRequest(`${url}/metrics`, { method: "GET", headers })).status).toBe(status);
  });
});

describe("CloudWatch EMF lines from the Lambda handler", () => {
  it("emits one line per delivery with the same counts, refusals included", async () => {
    const deps = makeFirehoseDeps();
    const observer = createEmfObserver(
      new Metrics({ namespace: "AtlasKinesisBridgeTest", serviceName: "firehose-webhook" }),
    );
    const handler = createFirehoseLambdaHandler(lambdaOptions(deps, { observer }));
    const event = (fixture: FirehoseFixture, key = TEST_ACCESS_KEY) => ({
      requestContext: { http: { method: "POST" } },
      headers: {
        ...Object.fromEntries(Object.entries(fixture.headers).map(([k, v]) => [k.toLowerCase(), v])),
        "x-amz-firehose-access-key": key,
      },
      body: bodyOf(fixture),
    });
    const lines = await emfLines(async () => {
      await handler(event(invalid));
      await handler(event(invalid, "wrong"));
    });
    expect(lines).toHaveLength(2);
    const [accepted, refused] = lines;
    const log = deps.logger.lines.find((line) => line.msg === "firehose delivery")!;
    expect(accepted).toMatchObject({
      status: "200",
      akb_firehose_requests: 1,
      akb_firehose_records_stored: log.stored,
      akb_firehose_records_dead_lettered: log.deadLettered,
      akb_firehose_records_empty: log.empty,
      akb_firehose_records_superseded: log.superseded,
      akb_firehose_records_stale: log.stale,
    });
    const directive = (
      accepted._aws as {
        CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
      }
    ).CloudWatchMetrics[0];
    expect(directive.Namespace).toBe("AtlasKinesisBridgeTest");
    expect(directive.Dimensions[0]).toContain("status");
    expect(directive.Metrics.map((m) => m.Name)).toContain("akb_firehose_records_dead_lettered");
    expect(refused).toMatchObject({ status: "401", akb_firehose_requests: 1, akb_firehose_records_stored: 0 });
  });
});

describe("the capture lag as CloudWatch EMF lines from the Lambda", () => {
  it("after a delivery, at most once a minute per container, one line per app", async () => {
    const deps = makeFirehoseDeps();
    const now = { value: deps.clock.now() };
    await deps.store
      .db("monitors")
      .collection("firehose_heartbeats")
      .insertOne({
        _id: "atlas-kinesis-bridge",
        app: "atlas-kinesis-bridge",
        lastHeartbeatAt: new Date(now.value - 75_000),
      });
    const publish = createEmfHeartbeatAgePublisher(
      new Metrics({ namespace: "AtlasKinesisBridgeTest", serviceName: "firehose-webhook" }),
      60_000,
      () => now.value,
    );
    const handler = createFirehoseLambdaHandler(
      lambdaOptions(deps, {
        observer: undefined,
        afterDelivery: (ready) => publish(() => readHeartbeatAges(ready.dataSource, ready.config.routing, now.value)),
      }),
    );
    const event = {
      requestContext: { http: { method: "POST" } },
      headers: {
        ...Object.fromEntries(Object.entries(invalid.headers).map(([k, v]) => [k.toLowerCase(), v])),
        "x-amz-firehose-access-key": TEST_ACCESS_KEY,
      },
      body: bodyOf(invalid),
    };
    const lines = await emfLines(async () => {
      await handler(event);
      await handler(event); // within the minute: nothing more
      now.value += 61_000;
      await handler(event);
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ app: "atlas-kinesis-bridge", akb_capture_heartbeat_age: 75 });
    expect(lines[1]).toMatchObject({ app: "atlas-kinesis-bridge", akb_capture_heartbeat_age: 136 });
    const directive = (
      lines[0]._aws as { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Unit: string }[] }[] }
    ).CloudWatchMetrics[0];
    expect(directive.Dimensions[0]).toContain("app");
    expect(directive.Metrics[0].Unit).toBe("Seconds");
  });
});

/** The EMF lines `run` writes to stdout. */
function emfLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const written: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return run().then(() => {
    vi.restoreAllMocks();
    return written
      .flatMap((text) => text.split("\n"))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line));
  });
}
