/** `npm run bench`: every benchmark of the project, in one run, printed as ratios. */
import { benchFirehose } from "./firehose";
import { measurePeakMemory } from "./memory";

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  console.log(`atlas-kinesis-bridge benchmarks — Node ${process.version}, ${new Date().toISOString()}${quick ? " (quick)" : ""}\n`);

  const firehose = await benchFirehose({ rounds: quick ? 5 : 21 });
  console.log(`Firehose webhook, one request of 10,000 records (~${firehose.recordBytes} B JSON each, non-ASCII + EJSON types), null database; median of interleaved rounds:`);
  for (const row of firehose.rows) console.log(`  ${row.name.padEnd(76)} p50 ${row.p50ms.toFixed(1).padStart(7)} ms   ${row.ratioToFloor.toFixed(2)}x floor`);
  const core = firehose.rows.find((r) => r.name.startsWith("core"))!;
  const baseline = firehose.rows.find((r) => r.name.startsWith("baseline"));
  if (baseline) console.log(`  baseline / core: ${(baseline.p50ms / core.p50ms).toFixed(2)}x`);
  else console.log("  baseline: ../shared/baselines/seed-firehose-webhook.js not found, not measured");

  const memory = await measurePeakMemory();
  console.log(
    `\nPeak memory, one ${(memory.bodyBytes / 1e6).toFixed(1)} MB request (App Services' 18 MB limit) through the core: ` +
      `peak RSS +${(memory.peakRssDeltaBytes / 1048576).toFixed(0)} MiB over the process with the request loaded (${(memory.bodyBytes / 1048576).toFixed(0)} MiB body)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
