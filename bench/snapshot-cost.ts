/**
 * What a snapshot costs above the work it cannot avoid. The floor reads the collection in `_id`
 * order in chunks of the snapshot's size, encodes each document's `read` change event in canonical
 * Extended JSON with its partition key, and puts the records with PutRecords of 500, 4 calls in
 * flight, through the same Kinesis client as the snapshot; nothing else (no signal, no checkpoint,
 * no capture options, no outbox). Beside it, `runSnapshot` with the default settings as a plain
 * snapshot and as a reconcile, with 1 and 4 workers. One collection on the embedded store, kinesalite
 * on loopback in its own process, a fresh stream per run (deleted after it); a warm-up of every task,
 * then rounds that rotate the tasks' order; medians, and each task's median ratio to the floor of
 * its own round. Beside the time, this process's CPU time: the emulator's work is not in it, so it
 * shows what the snapshot's own code adds while the emulator's pace and the machine's load move the
 * times.
 */
import { Timestamp } from "bson";
import { nodeBson } from "../src/adapters/bson/node-bson";
import { reportDetail } from "../src/cli/progress";
import { readCaptureConfig } from "../src/core/capture/config";
import { partitionKeyFor } from "../src/core/capture/publish/partition-key";
import { runSnapshot } from "../src/core/capture/snapshot/snapshot";
import { KinesisError, kinesisEntry, type KinesisPort, type KinesisRecordEntry } from "../src/core/kinesis/port";
import type { CollectionPort } from "../src/core/ports";
import type { KinesisEmulator } from "../src/local/kinesis-emulator";
import { captureDeps, emulatorClient, storeWithOrders } from "./harness";

const IN_FLIGHT = 4;
const BATCH = 500;

export interface SnapshotCostBench {
  documents: number;
  rounds: number;
  floorMs: number;
  /** This process's CPU time (user + system) in the floor: what the emulator's process spends is not in it. */
  floorCpuMs: number;
  rows: { name: string; p50ms: number; ratio: number; ratios: number[]; cpuMs: number; cpuRatio: number }[];
}

type Task = { name: string; run: (stream: string, client: KinesisPort) => Promise<void> };

export async function benchSnapshotCost(
  emulator: KinesisEmulator,
  options: { documents: number; rounds: number },
): Promise<SnapshotCostBench> {
  const store = await storeWithOrders(options.documents);
  const source = store.db("app").collection("orders");
  const config = readCaptureConfig(() => undefined); // the defaults
  const signals = store.db(config.signalDatabase).collection(config.signalCollection);
  let signals_made = 0;
  const snapshot =
    (workers: number, reconcile: boolean): Task["run"] =>
    async (_stream, kinesis) => {
      const id = `bench-${++signals_made}`;
      await signals.insertOne({
        _id: id,
        type: "execute-snapshot",
        data: { "data-collections": ["app.orders"], parallelism: workers, ...(reconcile ? { reconcile: true } : {}) },
      });
      const run = await runSnapshot(
        id,
        { ...captureDeps(config, kinesis, store), dataSource: store, signals },
        Date.now() + 3_600_000,
        new Timestamp({ t: Math.floor(Date.now() / 1000), i: 1 }),
      );
      if (run.status !== "done" || run.published !== options.documents || run.outboxed !== 0)
        throw new Error(`snapshot incomplete: ${JSON.stringify(run)}`);
      await signals.deleteOne({ _id: id });
    };
  const tasks: Task[] = [
    { name: "floor", run: (_s, kinesis) => floor(source, kinesis, config) },
    { name: "plain snapshot, 1 worker", run: snapshot(1, false) },
    { name: "plain snapshot, 4 workers", run: snapshot(4, false) },
    { name: "reconcile, 1 worker", run: snapshot(1, true) },
    { name: "reconcile, 4 workers", run: snapshot(4, true) },
  ];
  let streams = 0;
  const timeOnce = async (task: Task): Promise<{ ms: number; cpuMs: number }> => {
    const stream = `bench-snapshot-cost-${++streams}`;
    await retriedOnce(() => emulator.createStream(stream, 4));
    const kinesis = emulatorClient(emulator, stream);
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    await task.run(stream, kinesis);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const spent = process.cpuUsage(cpu);
    const cpuMs = (spent.user + spent.system) / 1000;
    await retriedOnce(() => emulator.call("DeleteStream", { StreamName: stream }));
    return { ms, cpuMs };
  };
  reportDetail("warm-up");
  for (const task of tasks) await timeOnce(task); // warm-up
  const times = tasks.map(() => [] as number[]);
  const cpus = tasks.map(() => [] as number[]);
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < tasks.length; k++) {
      const i = (k + round) % tasks.length;
      reportDetail(`round ${round + 1} of ${options.rounds}, task ${k + 1} of ${tasks.length}`);
      const spent = await timeOnce(tasks[i]);
      times[i].push(spent.ms);
      cpus[i].push(spent.cpuMs);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    documents: options.documents,
    rounds: options.rounds,
    floorMs: median(times[0]),
    floorCpuMs: median(cpus[0]),
    rows: tasks.slice(1).map((task, k) => {
      const ratios = times[k + 1].map((ms, round) => ms / times[0][round]);
      const cpuRatios = cpus[k + 1].map((ms, round) => ms / cpus[0][round]);
      return {
        name: task.name,
        p50ms: median(times[k + 1]),
        ratio: median(ratios),
        ratios,
        cpuMs: median(cpus[k + 1]),
        cpuRatio: median(cpuRatios),
      };
    }),
  };
}

/**
 * A control call once more after a network error: the emulator's control connection sits idle while a
 * run lasts longer than the server keeps idle connections, and a call may meet it closing.
 */
async function retriedOnce<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof KinesisError && error.code === "NetworkError")) throw error;
    return call();
  }
}

/** The floor: reads in `_id` order, the canonical encoding of each read event, PutRecords of 500 with 4 in flight. */
async function floor(
  source: CollectionPort,
  kinesis: KinesisPort,
  config: ReturnType<typeof readCaptureConfig>,
): Promise<void> {
  const clusterTime = new Timestamp({ t: Math.floor(Date.now() / 1000), i: 1 });
  const inFlight = new Set<Promise<void>>();
  const put = async (entries: KinesisRecordEntry[]) => {
    const result = await kinesis.putRecords(entries);
    if (result.FailedRecordCount > 0) throw new Error(`the emulator refused ${result.FailedRecordCount} records`);
  };
  let lastId: unknown;
  let batch: KinesisRecordEntry[] = [];
  const send = async () => {
    const sending = put(batch);
    batch = [];
    const tracked: Promise<void> = sending.then(() => void inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };
  for (;;) {
    const found = await source
      .find(lastId === undefined ? {} : { _id: { $gt: lastId } })
      .sort({ _id: 1 })
      .limit(config.snapshotChunkSize)
      .toArray();
    if (found.length === 0) break;
    const wallTime = new Date();
    for (const document of found) {
      const event = {
        operationType: "read",
        clusterTime,
        wallTime,
        ns: { db: "app", coll: "orders" },
        documentKey: { _id: document._id },
        fullDocument: document,
      };
      const data = nodeBson.ejson.stringify(event, { relaxed: false });
      batch.push(kinesisEntry({ data, partitionKey: partitionKeyFor(document._id, nodeBson) }));
      if (batch.length === BATCH) await send();
    }
    lastId = found[found.length - 1]._id;
    if (found.length < config.snapshotChunkSize) break;
  }
  if (batch.length > 0) await send();
  await Promise.all(inFlight);
}

/** `npx tsx bench/snapshot-cost.ts [documents] [rounds]`: this benchmark alone (npm run bench runs it too). */
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { startKinesisEmulator } = await import("../src/local/kinesis-emulator");
  const emulator = await startKinesisEmulator({ engine: "kinesalite" });
  try {
    const result = await benchSnapshotCost(emulator, {
      documents: Number(process.argv[2] || 100_000),
      rounds: Number(process.argv[3] || 5),
    });
    console.log(JSON.stringify(result, null, 1));
  } finally {
    await emulator.stop();
  }
}
