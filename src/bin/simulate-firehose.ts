/**
 * `npm run simulate-firehose -- --url <webhook>`: the Firehose simulator on its own, to test any
 * webhook host against a real Firehose's behaviour. It reads a stream in a Kinesis emulator it starts
 * (default), in an emulator you run (--kinesis-endpoint) or in AWS (--aws, an explicit choice).
 */
import { resolve } from "node:path";
import { createNodeTransport } from "../adapters/http/node-transport";
import { createKinesisCall } from "../adapters/kinesis/sigv4-client";
import { defineCommand, positiveNumber, runCommand, UsageError, wholeNumberOption } from "../cli/command-line";
import { awsEnvironment, fromSetting } from "../cli/environment";
import { createProgress } from "../cli/progress";
import { firehoseSettings } from "../core/firehose/config";
import { FirehoseSimulator, KinesisStreamReader, type KinesisCall } from "../local/firehose-simulator";
import { startKinesisEmulator } from "../local/kinesis-emulator";
import { sampleChangeRecords } from "../local/sample-changes";

/** Failed reads (or unreachable-webhook attempts) in a row, with one error, before the simulator stops. */
const GIVE_UP_AFTER = 3;

const simulateCommand = defineCommand({
  command: "npm run simulate-firehose",
  summary:
    "Amazon Data Firehose on this machine: reads a Kinesis stream, buffers by size and interval, and delivers to an " +
    "HTTP endpoint with Firehose's headers, retries with its backoff, checks each answer as Firehose does, and backs " +
    "up what finally fails. Stops after 3 identical connection errors in a row, naming the error.",
  options: {
    url: { type: "string", value: "<url>", description: "the webhook to deliver to (required)" },
    stream: { type: "string", value: "<name>", description: "the Kinesis stream to read", default: "realm" },
    "kinesis-endpoint": {
      type: "string",
      value: "<url>",
      description: "read a Kinesis API you run (an emulator) instead of starting one",
      defaultText: "an emulator started here (kinesalite on 127.0.0.1)",
    },
    aws: { type: "boolean", description: "read the stream in real Kinesis (AWS) in --region, with AWS_* credentials" },
    region: {
      type: "string",
      value: "<name>",
      description: "AWS region with --aws",
      defaultText: "AWS_REGION or us-east-1",
    },
    "put-samples": {
      type: "string",
      value: "<n>",
      description:
        "first put <n> sample change events (sensor readings, as the capture trigger writes them) on a local stream, " +
        "deliver them, and exit (0 when all were delivered)",
      defaultText: "none: run until Ctrl-C",
    },
    interval: {
      type: "string",
      value: "<ms>",
      description: "buffer interval hint",
      defaultText: "1000 locally, 300000 (Firehose's default) with --aws",
    },
    size: { type: "string", value: "<bytes>", description: "buffer size hint", default: String(5 * 1024 * 1024) },
    "retry-seconds": { type: "string", value: "<s>", description: "retry window of a failed delivery", default: "300" },
    gzip: { type: "boolean", description: "send gzip bodies (Content-Encoding: gzip)" },
    "backup-dir": {
      type: "string",
      value: "<dir>",
      description: "where finally failed batches go, as S3 error records",
      default: ".local/firehose-backup",
    },
  },
  environment: [
    fromSetting(firehoseSettings.accessKey, "the access key sent in X-Amz-Firehose-Access-Key"),
    ...awsEnvironment,
  ],
  notes: [
    "example (two terminals):",
    "  FIREHOSE_ACCESS_KEY=local-key npm run serve -- --data .local/store",
    "  FIREHOSE_ACCESS_KEY=local-key npm run simulate-firehose -- --url http://127.0.0.1:8080/ --put-samples 100",
  ],
});

runCommand(simulateCommand, async ({ values }) => {
  const url = values.url;
  if (!url) throw new UsageError("--url is required: the webhook to deliver to, e.g. --url http://127.0.0.1:8080/");
  if (!/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  if (values.aws && values["kinesis-endpoint"])
    throw new UsageError("--aws and --kinesis-endpoint exclude each other: give one");
  if (values.aws && values["put-samples"])
    throw new UsageError("--put-samples writes test data: it is for a local stream, not --aws");
  const samples = values["put-samples"] ? wholeNumberOption("put-samples", values["put-samples"]) : 0;
  const interval = values.interval ? wholeNumberOption("interval", values.interval) : values.aws ? 300_000 : 1000;
  const size = positiveNumber("size", values.size);
  const retrySeconds = wholeNumberOption("retry-seconds", values["retry-seconds"]);
  const region = values.region || process.env.AWS_REGION || "us-east-1";
  if (values.aws && !(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY))
    throw new Error("--aws needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");

  // Progress on stderr: starting the emulator and putting samples take seconds before the first batch line.
  const progress = createProgress("npm run simulate-firehose");
  let call: KinesisCall;
  let where: string;
  let stopEmulator = async () => undefined as void;
  if (values.aws || values["kinesis-endpoint"]) {
    call = createKinesisCall(
      {
        region,
        accessKeyId: process.env.AWS_ACCESS_KEY_ID || "local",
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || "local",
        sessionToken: process.env.AWS_SESSION_TOKEN,
        endpoint: values["kinesis-endpoint"],
        timeoutMs: 30_000,
      },
      createNodeTransport(),
    );
    where = values.aws ? `Kinesis in ${region} (AWS)` : `the Kinesis API at ${values["kinesis-endpoint"]}`;
  } else {
    progress.step("starting a local Kinesis emulator (kinesalite)");
    const emulator = await startKinesisEmulator({ engine: "kinesalite" });
    await emulator.createStream(values.stream, 1);
    call = emulator.call;
    where = `a local emulator at ${emulator.endpoint} (stopped at exit)`;
    stopEmulator = () => emulator.stop();
  }
  if (samples > 0) {
    progress.step(`putting ${samples} sample records on ${values.stream}`);
    await putSamples(call, values.stream, samples);
  }

  return new Promise<number>((done) => {
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      void simulator
        .stop(false)
        .then(stopEmulator)
        .then(() => done(code));
    };
    const simulator = new FirehoseSimulator({
      reader: new KinesisStreamReader(call, values.stream),
      bufferIntervalMs: interval,
      bufferSizeBytes: size,
      sender: {
        url,
        accessKey: process.env.FIREHOSE_ACCESS_KEY,
        gzip: values.gzip,
        retryDurationMs: retrySeconds * 1000,
        backupDir: resolve(values["backup-dir"]),
        giveUpAfterConnectionFailures: GIVE_UP_AFTER,
      },
      giveUpAfterRepeatedErrors: GIVE_UP_AFTER,
      onBatch: (result, records) => {
        console.log(
          `${new Date().toISOString()} ${result.requestId} ${records.length} records -> ${result.outcome} after ${result.attempts} attempt(s)${result.lastError ? `: ${result.lastError}` : ""}`,
        );
        const { delivered, backedUp, dropped } = simulator.stats;
        if (samples > 0 && delivered + backedUp + dropped >= samples) {
          console.log(`${delivered} of ${samples} sample records delivered, ${backedUp} backed up, ${dropped} dropped`);
          finish(delivered === samples ? 0 : 1);
        }
      },
      onError: (error) => console.error(`${new Date().toISOString()} reading ${values.stream}: ${String(error)}`),
      onGiveUp: (reason) => {
        console.error(`simulate-firehose: stopped: ${reason}; nothing more was delivered or committed`);
        finish(1);
      },
    });
    simulator.start();
    console.log(
      `Delivering stream ${values.stream} from ${where} to ${url} every ${interval} ms${samples > 0 ? ` (${samples} sample records put)` : ""} (Ctrl-C to stop)`,
    );
    process.on("SIGINT", () => finish(0));
    process.on("SIGTERM", () => finish(0));
  });
});

/** PutRecords in chunks of 500, the API's maximum; a record the stream refuses is an error. */
async function putSamples(call: KinesisCall, stream: string, count: number): Promise<void> {
  const records = sampleChangeRecords(count);
  for (let start = 0; start < records.length; start += 500) {
    const chunk = records.slice(start, start + 500);
    const result = await call<{ FailedRecordCount?: number }>("PutRecords", {
      StreamName: stream,
      Records: chunk.map((r) => ({ Data: Buffer.from(r.data).toString("base64"), PartitionKey: r.partitionKey })),
    });
    if (result.FailedRecordCount)
      throw new Error(`${result.FailedRecordCount} sample records were refused by the stream`);
  }
}
