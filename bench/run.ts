/**
 * `npm run bench`: every benchmark of the project, in one run, printed as ratios on stdout; what it is
 * doing and how far along it is goes to stderr (sections.ts). Each section is one entry of the list in
 * `benchSections`: add a benchmark by adding an entry.
 */
import { resolve } from "node:path";
import { benchFirehose } from "./firehose";
import { benchBackfill, benchBackfillOptions, benchCaptureOptions, benchPublish, functionSizes } from "./capture";
import { latency, sustained } from "./pipeline";
import { measurePeakMemory } from "./memory";
import { benchMirror } from "./mirror";
import { benchReconcile, type ReconcileBench } from "./reconcile";
import { benchSnapshotCost } from "./snapshot-cost";
import { benchHostBundles } from "./hosts";
import { printRefusalBench } from "./refusals";
import { benchEmulatorRates, type EmulatorRates } from "./emulator";
import { benchCaptureRate } from "./capture-rate";
import { runSections, type BenchSection } from "./sections";
import { startKinesisEmulator } from "../src/local/kinesis-emulator";
import { defineCommand, readCommandLine } from "../src/cli/command-line";
import { createProgress, reportDetail, showProgressOf } from "../src/cli/progress";
import { CompareUnavailable, DEFAULT_AGAINST, printComparison } from "./compare";

const benchCommand = defineCommand({
  command: "npm run bench",
  summary:
    "Every benchmark of the project in one run (this checkout against another commit, Firehose webhook, capture, mirror, pipeline, memory, host bundles, " +
    "emulators, capture rate, refusals beside deliveries), printed as ratios measured side by side, since these machines are noisy. " +
    "Progress goes to stderr.",
  options: {
    quick: { type: "boolean", description: "fewer rounds and events: a quick look, not figures to quote" },
    against: {
      type: "string",
      value: "<commit>",
      default: DEFAULT_AGAINST,
      defaultText: `${DEFAULT_AGAINST.slice(0, 10)}, main when this round of work began`,
      description: "compare this checkout's webhook and capture with that commit's (a commit, branch or tag)",
    },
    "compare-only": { type: "boolean", description: "run only the comparison with --against's commit" },
  },
});

type Print = (line: string) => void;

/** What later sections use of earlier ones' results. */
interface Shared {
  reconcile?: ReconcileBench;
  rates: Record<string, EmulatorRates>;
}

async function firehoseSection(quick: boolean, print: Print): Promise<void> {
  const firehose = await benchFirehose({ rounds: quick ? 3 : 7 });
  print(
    `Firehose webhook, one request of 10,000 records (~${firehose.recordBytes} B JSON each, non-ASCII + EJSON types), null database; ` +
      `every task in processes of its own, ${firehose.rounds} rounds; in each process the task and the floor run in pairs ` +
      `(${firehose.runsPerProcess.warmup} untimed, ${firehose.runsPerProcess.timed} timed), and the process reports the median of task/floor. ` +
      "Median time over rounds, and the median (interquartile range) over rounds of those ratios:",
  );
  for (const row of firehose.rows) {
    print(
      `  ${row.name.padEnd(66)} p50 ${row.p50ms.toFixed(1).padStart(7)} ms   ${row.ratioToFloor.toFixed(2)}x floor (${row.ratioP25.toFixed(2)}-${row.ratioP75.toFixed(2)})`,
    );
  }
  const b = firehose.baselineOverCore;
  if (b) {
    print(
      `  baseline / core (Node hosts):   ${b.node.median.toFixed(2)}x (${b.node.p25.toFixed(2)}-${b.node.p75.toFixed(2)})`,
    );
    print(
      `  baseline / core (App Services): ${b.appServices.median.toFixed(2)}x (${b.appServices.p25.toFixed(2)}-${b.appServices.p75.toFixed(2)})`,
    );
  } else print("  baseline: ../shared/baselines/seed-firehose-webhook.js not found, not measured");
  const long = firehose.longIntegersOverCore;
  print(
    `  records with an Int64 beyond 2^53 / without (Node hosts): ${long.median.toFixed(2)}x (${long.p25.toFixed(2)}-${long.p75.toFixed(2)})`,
  );
}

async function memorySection(print: Print): Promise<void> {
  for (const host of ["node", "app-services"] as const) {
    reportDetail(`through the core as ${host === "node" ? "Node hosts run it" : "App Services runs it"}`);
    const memory = await measurePeakMemory(host);
    print(
      `${host === "node" ? "\n" : ""}Peak memory, one ${(memory.bodyBytes / 1e6).toFixed(1)} MB request (App Services' 18 MB limit) through the core as ${host === "node" ? "Node hosts run it" : "App Services runs it"}: ` +
        `peak RSS +${(memory.peakRssDeltaBytes / 1048576).toFixed(0)} MiB over the process with the request loaded (${(memory.bodyBytes / 1048576).toFixed(0)} MiB body)`,
    );
  }
}

async function mirrorSection(quick: boolean, print: Print): Promise<void> {
  const mirror = await benchMirror({ rounds: quick ? 3 : 7 });
  print(
    `\nExact mirror: one delivery of 10,000 records through the webhook core into the embedded store (fresh store each run), ${mirror.rounds} rounds, medians:`,
  );
  for (const row of mirror.rows)
    print(`  ${row.name.padEnd(50)} p50 ${row.p50ms.toFixed(1).padStart(8)} ms   ${row.ratio.toFixed(2)}x plain`);
}

function captureOptionsSection(quick: boolean, print: Print): void {
  const options = benchCaptureOptions(quick ? 2000 : 10_000, quick ? 3 : 9);
  print(
    `\nCapture options, the function's own work per event (values read, options compiled, shape, encode; no I/O), ${options.events} update events, ${options.rounds} alternating rounds, medians:`,
  );
  print(`  options off                                   ${options.offUs.toFixed(1).padStart(8)} us/event`);
  print(
    `  exclude 2 paths, mask 1, match on 2 fields     ${options.onUs.toFixed(1).padStart(8)} us/event  = ${options.ratio.toFixed(2)}x off`,
  );
}

async function reconcileSection(quick: boolean, shared: Shared, print: Print): Promise<void> {
  const reconcile = await benchReconcile({ rounds: quick ? 3 : 7 });
  shared.reconcile = reconcile;
  print(
    `\nReconcile in the webhook: 10,000 reads into a mirror of 10,100 documents (100 lost at the source), fresh store each run, ${reconcile.rounds} rounds, medians:`,
  );
  for (const row of reconcile.rows)
    print(
      `  ${row.name.padEnd(56)} p50 ${row.p50ms.toFixed(1).padStart(8)} ms   ${row.ratio.toFixed(2)}x the plain snapshot delivered alike`,
    );
}

/** A snapshot's cost against its floor, beside the webhook's cost of a reconcile (the sweep) measured before. */
async function snapshotCostSection(quick: boolean, shared: Shared, print: Print): Promise<void> {
  const emulator = await startKinesisEmulator({ engine: "kinesalite" });
  try {
    const cost = await benchSnapshotCost(emulator, { documents: quick ? 10_000 : 100_000, rounds: quick ? 3 : 5 });
    print(
      `\nSnapshot cost against its floor: ${cost.documents.toLocaleString("en-US")} documents on the embedded store, kinesalite on loopback, default settings; ` +
        `the floor reads in _id order in chunks of 500, encodes each read event (canonical Extended JSON) and puts PutRecords of 500, 4 in flight, nothing else; ` +
        `a warm-up, then ${cost.rounds} rounds rotating the tasks, medians and the median of each round's ratio:`,
    );
    print(
      `  ${"floor".padEnd(28)} p50 ${(cost.floorMs / 1000).toFixed(2).padStart(6)} s   1.00x   (this process's CPU ${(cost.floorCpuMs / 1000).toFixed(2)} s)`,
    );
    for (const row of cost.rows)
      print(
        `  ${row.name.padEnd(28)} p50 ${(row.p50ms / 1000).toFixed(2).padStart(6)} s   ${row.ratio.toFixed(2)}x floor (rounds ${row.ratios.map((r) => r.toFixed(2)).join(", ")}; CPU ${row.cpuRatio.toFixed(2)}x the floor's)`,
      );
    const sweep = shared.reconcile?.rows.find((row) => row.name.startsWith("reconcile: 10,000 reads + closing"));
    if (sweep)
      print(
        `  in the webhook, a reconcile's 10,000 reads with their marks, closing and sweep: ${sweep.ratio.toFixed(2)}x the plain snapshot's (above)`,
      );
  } finally {
    await emulator.stop();
  }
}

/** One emulator's own pace, then capture and backfill against it. */
async function emulatorSection(
  engine: "kinesalite" | "kinesis-local",
  quick: boolean,
  shared: Shared,
  print: Print,
): Promise<void> {
  const emulator = await startKinesisEmulator({ engine });
  try {
    reportDetail(`${engine}'s own pace`);
    const rate = await benchEmulatorRates(emulator, quick ? 300 : 1500, quick ? 10 : 60);
    shared.rates[engine] = rate;
    print(
      `\n${engine}'s own pace (signed calls, one at a time): PutRecord ${rate.putRecordPerSecond.toFixed(0)}/s; PutRecords of 500: ${rate.putRecordsRecordsPerSecond.toFixed(0)} records/s`,
    );
    const publish = await benchPublish(emulator, quick ? 300 : 2000);
    print(
      `\nChange capture, one event at a time (${publish.events} update events of ${publish.bytes} B), ${engine} on loopback (its own process):`,
    );
    print(`  encode (envelope, canonical Extended JSON)          ${publish.encodeUs.toFixed(1).padStart(8)} us/event`);
    print(`  encode + SigV4 sign                                 ${publish.signUs.toFixed(1).padStart(8)} us/event`);
    print(
      `  encode + sign + PutRecord (publishChangeToKinesis)  ${publish.putUs.toFixed(1).padStart(8)} us/event  (${(1e6 / publish.putUs).toFixed(0)} events/s)`,
    );
    print(
      `  the same with capture options on                    ${publish.putWithOptionsUs.toFixed(1).padStart(8)} us/event  = ${(publish.putWithOptionsUs / publish.putUs).toFixed(2)}x off`,
    );
    const documents = engine === "kinesalite" ? (quick ? 10_000 : 100_000) : quick ? 2_000 : 10_000;
    for (const workers of [1, 4]) {
      reportDetail(`backfill of ${documents} documents, ${workers} worker${workers > 1 ? "s" : ""}`);
      const backfill = await benchBackfill(emulator, documents, workers);
      print(
        `  backfill, ${workers} worker${workers > 1 ? "s" : " "} (runSnapshot, PutRecords of 500, embedded store): ${backfill.documents} documents in ${backfill.seconds.toFixed(1)} s = ${backfill.perSecond.toFixed(0)} records/s = ${(backfill.perSecond / rate.putRecordsRecordsPerSecond).toFixed(2)}x the emulator's PutRecords rate`,
      );
    }
    const shaped = await benchBackfillOptions(emulator, Math.ceil(documents / 4), 3);
    print(
      `  backfill, 1 worker, capture options on (exclude, mask, match) vs off, ${shaped.rounds} alternating rounds of ${shaped.documents} documents: ${shaped.onPerSecond.toFixed(0)} records/s, ${shaped.ratio.toFixed(2)}x off (rounds ${shaped.ratios.map((r) => r.toFixed(2)).join(", ")})`,
    );
  } finally {
    await emulator.stop();
  }
}

async function endToEndSection(quick: boolean, shared: Shared, print: Print): Promise<void> {
  print(
    "\nEnd to end (npm start's pipeline: sensor -> trigger -> emulator -> Firehose simulator -> webhook -> embedded store), zero loss verified:",
  );
  for (const engine of ["kinesis-local", "kinesalite"] as const) {
    // Enough readings that the Firehose buffer's last interval is a small part of the run.
    const events = quick ? 300 : engine === "kinesalite" ? 5000 : 4000;
    reportDetail(`${engine}: ${events} readings inserted at once`);
    const s = await sustained(engine, events, 1000);
    print(
      `  ${engine.padEnd(13)} sustained: ${s.events} readings in ${s.seconds.toFixed(1)} s = ${s.perSecond.toFixed(0)} events/s = ${(s.perSecond / shared.rates[engine].putRecordPerSecond).toFixed(2)}x the emulator's sequential PutRecord rate (Firehose buffer interval 1 s)`,
    );
    reportDetail(`${engine}: latency at 20 readings/s`);
    const l = await latency(engine, 20, quick ? 100 : 600, 1000);
    print(
      `  ${engine.padEnd(13)} latency at ${l.ratePerSecond}/s over ${l.events} readings: p50 ${l.p50} ms, p99 ${l.p99} ms (buffer interval 1 s)`,
    );
  }
}

async function captureRateSection(quick: boolean, print: Print): Promise<void> {
  print(
    "\nCapture rate with Kinesis a network away (kinesalite behind a proxy that adds the latency to every call; readings inserted at once; time until all are put; every run verified exact):",
  );
  const rateRows: string[] = [];
  for (const latencyMs of [0, 10, 30]) {
    for (const ordering of ["ordered", "unordered"] as const) {
      const orderedEvents = latencyMs === 0 ? 1000 : latencyMs === 10 ? 300 : 150;
      const events = quick ? 100 : ordering === "ordered" ? orderedEvents : 1000;
      reportDetail(`${latencyMs} ms added per call, ${ordering} trigger, ${events} events`);
      const rate = await benchCaptureRate(latencyMs, ordering, events);
      rateRows.push(
        `  ${String(latencyMs).padStart(2)} ms  ${ordering.padEnd(9)}  ${rate.perSecond.toFixed(0).padStart(6)} events/s  (${events} events)`,
      );
    }
  }
  for (const row of rateRows) print(row);
}

async function functionSizesSection(print: Print): Promise<void> {
  const sizes = await functionSizes();
  print("\nDeployed size of each function (the bundle is all it loads; no dependencies at run time):");
  for (const f of sizes.functions)
    print(
      `  ${f.name.padEnd(30)} ${(f.bytes / 1024).toFixed(1).padStart(6)} KiB  (${(f.gzipBytes / 1024).toFixed(1)} KiB gzip)`,
    );
  const publishSize = sizes.functions.find((f) => f.name === "publishChangeToKinesis.js")!;
  print(
    `  same producer on @aws-sdk/client-kinesis       ${(sizes.sdk.bytes / 1024).toFixed(1).padStart(6)} KiB  (${(sizes.sdk.gzipBytes / 1024).toFixed(1)} KiB gzip) = ${(sizes.sdk.bytes / publishSize.bytes).toFixed(1)}x publishChangeToKinesis.js`,
  );
}

async function hostBundlesSection(quick: boolean, print: Print): Promise<void> {
  const hosts = await benchHostBundles(quick ? 5 : 15);
  print(
    "\nWebhook host bundles (npm run build:hosts): size, and cold load time of a new process (median, Node's own start subtracted):",
  );
  for (const h of hosts) {
    print(
      `  ${h.name.padEnd(42)} ${(h.bytes / 1024).toFixed(0).padStart(6)} KiB (${(h.gzipBytes / 1024).toFixed(0)} KiB gzip) ${h.ratioBytes.toFixed(2)}x   load ${h.loadMs.toFixed(1).padStart(6)} ms ${h.ratioLoad.toFixed(2)}x`,
    );
  }
}

/** Every section of `npm run bench`, in the order they run and print. */
export function benchSections(options: { quick: boolean; against: string; compareOnly: boolean }): BenchSection[] {
  const { quick } = options;
  const shared: Shared = { rates: {} };
  // This checkout's webhook and capture beside another commit's (compare.ts); a commit named but unreadable stops the run.
  const comparison: BenchSection = {
    title: `this checkout against ${options.against.slice(0, 10)}`,
    run: (print) => printComparison(options.against, { quick }, print),
  };
  if (options.compareOnly) return [comparison];
  return [
    comparison,
    { title: "Firehose webhook", run: (print) => firehoseSection(quick, print) },
    { title: "peak memory of one request", run: memorySection },
    { title: "exact mirror", run: (print) => mirrorSection(quick, print) },
    { title: "capture options", run: (print) => captureOptionsSection(quick, print) },
    { title: "reconcile in the webhook", run: (print) => reconcileSection(quick, shared, print) },
    { title: "snapshot cost against its floor", run: (print) => snapshotCostSection(quick, shared, print) },
    {
      title: "kinesalite: its pace, capture and backfill",
      run: (p) => emulatorSection("kinesalite", quick, shared, p),
    },
    {
      title: "kinesis-local: its pace, capture and backfill",
      run: (p) => emulatorSection("kinesis-local", quick, shared, p),
    },
    { title: "end to end", run: (print) => endToEndSection(quick, shared, print) },
    { title: "capture rate with Kinesis a network away", run: (print) => captureRateSection(quick, print) },
    { title: "deployed size of each function", run: functionSizesSection },
    { title: "webhook host bundles", run: (print) => hostBundlesSection(quick, print) },
    { title: "refusals beside paced deliveries", run: (print) => printRefusalBench({ quick }, print) },
  ];
}

async function main(): Promise<void> {
  const { values } = readCommandLine(benchCommand);
  const quick = values.quick;
  console.log(
    `atlas-kinesis-bridge benchmarks — Node ${process.version}, ${new Date().toISOString()}${quick ? " (quick)" : ""}\n`,
  );
  const progress = showProgressOf(createProgress("npm run bench"));
  try {
    await runSections(benchSections({ quick, against: values.against, compareOnly: values["compare-only"] }), progress);
  } catch (error) {
    if (!(error instanceof CompareUnavailable)) throw error;
    progress.clear();
    process.stderr.write(`npm run bench: --against: ${error.message}\n`);
    process.exit(2);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename))
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
