/**
 * Generates the parts of the App Services export that follow from the capture list
 * (config/captured-collections.csv) and the values:
 *   triggers/capture_<db>_<coll>.json   one DATABASE trigger per captured collection, plus the heartbeat collection
 *   triggers/emitHeartbeat.json         SCHEDULED, every minute
 *   triggers/runSnapshot.json           DATABASE trigger on the signal collection (inserts)
 *   values/CAPTURED_NAMESPACES.json     the list, so the webhook can refuse a target that would loop
 * Run by `npm run build` (scripts/build.ts); `--check` exits 1 naming every file that differs.
 */
import { existsSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  CaptureListError,
  captureTriggerName,
  parseCaptureList,
  WHOLE_DATABASE,
} from "../src/core/capture/capture-list";
import { captureDefaults } from "../src/core/capture/config";

const root = resolve(import.meta.dirname, "..");
export const CAPTURE_LIST = "config/captured-collections.csv";

function valueOf(name: string, fallback: string): string {
  const file = join(root, "values", `${name}.json`);
  if (!existsSync(file)) return fallback;
  const value = (JSON.parse(readFileSync(file, "utf8")) as { value?: unknown }).value;
  return typeof value === "string" && value !== "" ? value : fallback;
}

function databaseTrigger(
  name: string,
  db: string,
  coll: string,
  functionName: string,
  operationTypes: string[],
  fullDocument: boolean,
  ordering: "ordered" | "unordered" = "ordered",
) {
  return {
    name,
    type: "DATABASE",
    disabled: false,
    config: {
      service_name: "mongodb-atlas",
      database: db,
      // A whole-database trigger names no collection (a database-level trigger).
      ...(coll === WHOLE_DATABASE ? {} : { collection: coll }),
      operation_types: operationTypes,
      full_document: fullDocument,
      full_document_before_change: false,
      match: {},
      project: {},
      // Ordered unless the capture list says otherwise: one event at a time, so a document's changes
      // reach Kinesis in order (README, "Capture rate").
      unordered: ordering === "unordered",
      maximum_throughput: false,
      skip_catchup_events: false,
      // Off: a lost resume token suspends the trigger (and Atlas emails the owner) instead of
      // silently skipping the gap; resume it and run a snapshot (README, troubleshooting).
      tolerate_resume_errors: false,
    },
    event_processors: { FUNCTION: { config: { function_name: functionName } } },
  };
}

/** Every generated file: path relative to the root -> content. */
export function generateExportFiles(listText = readFileSync(join(root, CAPTURE_LIST), "utf8")): Map<string, string> {
  const entries = parseCaptureList(listText, CAPTURE_LIST);
  const heartbeatDb = valueOf("HEARTBEAT_DATABASE", captureDefaults.heartbeatDatabase);
  const heartbeatColl = valueOf("HEARTBEAT_COLLECTION", captureDefaults.heartbeatCollection);
  const signalDb = valueOf("SIGNAL_DATABASE", heartbeatDb);
  const signalColl = valueOf("SIGNAL_COLLECTION", captureDefaults.signalCollection);
  const captured: { db: string; coll: string; ordering: "ordered" | "unordered" }[] = entries.map(
    ({ db, coll, ordering }) => ({ db, coll, ordering }),
  );
  if (!captured.some((c) => c.db === heartbeatDb && (c.coll === heartbeatColl || c.coll === WHOLE_DATABASE)))
    captured.push({ db: heartbeatDb, coll: heartbeatColl, ordering: "ordered" });
  const files = new Map<string, string>();
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  for (const { db, coll, ordering } of captured) {
    const name = captureTriggerName(db, coll);
    if (files.has(`triggers/${name}.json`))
      throw new CaptureListError([
        `${CAPTURE_LIST}: ${db}.${coll} gives the same trigger name as another entry (${name})`,
      ]);
    files.set(
      `triggers/${name}.json`,
      json(
        databaseTrigger(
          name,
          db,
          coll,
          "publishChangeToKinesis",
          ["INSERT", "UPDATE", "REPLACE", "DELETE"],
          true,
          ordering,
        ),
      ),
    );
  }
  files.set(
    "triggers/runSnapshot.json",
    json(databaseTrigger("runSnapshot", signalDb, signalColl, "runSnapshot", ["INSERT"], false)),
  );
  files.set(
    "triggers/emitHeartbeat.json",
    json({
      name: "emitHeartbeat",
      type: "SCHEDULED",
      disabled: false,
      config: { schedule: "* * * * *", skip_catchup_events: true },
      event_processors: { FUNCTION: { config: { function_name: "emitHeartbeat" } } },
    }),
  );
  files.set(
    "values/CAPTURED_NAMESPACES.json",
    json({ name: "CAPTURED_NAMESPACES", from_secret: false, value: captured.map(({ db, coll }) => `${db}.${coll}`) }),
  );
  return files;
}

/** Whether `npm run build` generates this trigger file (from the capture list, or the two fixed triggers). */
export function isGeneratedTrigger(file: string): boolean {
  return file.startsWith("capture_") || file === "emitHeartbeat.json" || file === "runSnapshot.json";
}

/** Whether `npm run build` generates this value file. */
export function isGeneratedValue(file: string): boolean {
  return file === "CAPTURED_NAMESPACES.json";
}

function isStaleGeneratedTrigger(file: string, files: Map<string, string>): boolean {
  return file.endsWith(".json") && isGeneratedTrigger(file) && !files.has(`triggers/${file}`);
}

/** `npm run build`'s first step (scripts/build.ts parses the command line and calls it). */
export function generateExport(check: boolean): void {
  let files: Map<string, string>;
  try {
    files = generateExportFiles();
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
  // Only capture triggers are ours to remove: any other trigger file (one made in the Atlas UI and
  // brought in by `npm run pull`) belongs to the user and survives every build.
  const stale = readdirSync(join(root, "triggers")).filter((file) => isStaleGeneratedTrigger(file, files));
  const drifted: string[] = [];
  for (const [path, content] of files) {
    const target = join(root, path);
    if (check) {
      if (!existsSync(target) || readFileSync(target, "utf8") !== content) drifted.push(path);
    } else if (!existsSync(target) || readFileSync(target, "utf8") !== content) {
      writeFileSync(target, content);
    }
  }
  if (check) {
    drifted.push(...stale.map((file) => `triggers/${file} (no longer in the capture list)`));
    if (drifted.length > 0) {
      console.error(`generated export files differ from ${CAPTURE_LIST}: ${drifted.join(", ")} (run npm run build)`);
      process.exit(1);
    }
  } else {
    for (const file of stale) unlinkSync(join(root, "triggers", file));
    console.log(`triggers/: ${files.size - 1} triggers from ${CAPTURE_LIST}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename))
  generateExport(process.argv.includes("--check"));
