/**
 * Generates the parts of the App Services export that follow from the capture list
 * (config/captured-collections.csv) and the values:
 *   triggers/capture_<db>_<coll>.json   one DATABASE trigger per captured collection, plus the heartbeat collection
 *   triggers/emitHeartbeat.json         SCHEDULED, every minute: the heartbeat (it calls checkCaptureHealth)
 *   triggers/drainOutbox.json           SCHEDULED, every minute: drains the outbox
 *   triggers/continueSnapshots.json     SCHEDULED, every minute: runSnapshot continues unfinished snapshots
 *   triggers/runSnapshot.json           DATABASE trigger on the signal collection (inserts)
 *   values/CAPTURED_NAMESPACES.json     the list, so the webhook can refuse a target that would loop
 *   values/CAPTURE_OPTIONS.json         each collection's exclude/mask/match, which the functions apply
 *   values/CAPTURE_MASK_KEY.json        the mask key's secret reference when a collection masks, else empty
 * Run by `npm run build` (scripts/build.ts parses the command line and calls it); `--check` exits 1 naming
 * every file that differs; a list naming no collection generates nothing unless `--allow-empty` says so
 * (it would remove every capture trigger).
 */
import { existsSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  CaptureListError,
  captureTriggerName,
  parseCaptureList,
  WHOLE_DATABASE,
} from "../src/core/capture/shaping/capture-list";
import {
  captureOptionsValue,
  hasOptions,
  NO_OPTIONS,
  triggerProjection,
  type CaptureOptions,
} from "../src/core/capture/shaping/capture-options";
import { captureDefaults } from "../src/core/capture/config";

const root = resolve(import.meta.dirname, "..");
export const CAPTURE_LIST = "config/captured-collections.csv";
/** The secret holding CAPTURE_MASK_KEY (create it before a push when a collection masks fields). */
export const MASK_KEY_SECRET = "captureMaskKey";

function valueOf(appRoot: string, name: string, fallback: string): string {
  const file = join(appRoot, "values", `${name}.json`);
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
  options: CaptureOptions = NO_OPTIONS,
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
      // The match is applied by the function only (shape-event.ts): a change that moves a document out
      // of it must reach the function, and whether a trigger's resume token moves past events its match
      // hides is not documented (docs/capture.md#pushed-into-the-trigger). Excluded fields are projected away here too.
      match: {},
      project: triggerProjection(options),
      // Ordered unless the capture list says otherwise: one event at a time, so a document's changes
      // reach Kinesis in order (docs/capture.md#capture-rate).
      unordered: ordering === "unordered",
      maximum_throughput: false,
      skip_catchup_events: false,
      // Off: a lost resume token suspends the trigger (and Atlas emails the owner) instead of
      // silently skipping the gap; resume it and run a snapshot (docs/operating.md#troubleshooting-by-symptom).
      tolerate_resume_errors: false,
    },
    event_processors: { FUNCTION: { config: { function_name: functionName } } },
  };
}

/**
 * The per-minute SCHEDULED triggers (name, function). Each run is its own request with its own 300 s;
 * the heartbeat hands the capture check to checkCaptureHealth itself
 * (docs/capture.md#the-scheduled-functions).
 */
export const SCHEDULED_TRIGGERS: readonly (readonly [string, string])[] = [
  ["emitHeartbeat", "emitHeartbeat"],
  ["drainOutbox", "drainOutbox"],
  ["continueSnapshots", "runSnapshot"],
];

function scheduledTrigger(name: string, functionName: string) {
  return {
    name,
    type: "SCHEDULED",
    disabled: false,
    // A run missed while the trigger was disabled is not made up: the next minute's does the same work.
    config: { schedule: "* * * * *", skip_catchup_events: true },
    event_processors: { FUNCTION: { config: { function_name: functionName } } },
  };
}

/** Every generated file: path relative to the root -> content; `appRoot`'s values name the heartbeat and signal collections. */
export function generateExportFiles(
  listText = readFileSync(join(root, CAPTURE_LIST), "utf8"),
  appRoot = root,
): Map<string, string> {
  const entries = parseCaptureList(listText, CAPTURE_LIST);
  const defaults = captureDefaults();
  const heartbeatDb = valueOf(appRoot, "HEARTBEAT_DATABASE", defaults.heartbeatDatabase);
  const heartbeatColl = valueOf(appRoot, "HEARTBEAT_COLLECTION", defaults.heartbeatCollection);
  const signalDb = valueOf(appRoot, "SIGNAL_DATABASE", heartbeatDb);
  const signalColl = valueOf(appRoot, "SIGNAL_COLLECTION", defaults.signalCollection);
  const captured: { db: string; coll: string; ordering: "ordered" | "unordered"; options: CaptureOptions }[] =
    entries.map(({ db, coll, ordering, options }) => ({ db, coll, ordering, options }));
  // The webhook reads the heartbeat documents whole (app, at, lag): they are never shaped.
  const heartbeatLine = entries.find(
    (c) => c.db === heartbeatDb && (c.coll === heartbeatColl || c.coll === WHOLE_DATABASE) && hasOptions(c.options),
  );
  if (heartbeatLine)
    throw new CaptureListError([
      `${CAPTURE_LIST} line ${heartbeatLine.line}: ${heartbeatDb}.${heartbeatColl} holds the heartbeat documents, which are published whole; give it no exclude, mask or match`,
    ]);
  if (!captured.some((c) => c.db === heartbeatDb && (c.coll === heartbeatColl || c.coll === WHOLE_DATABASE)))
    captured.push({ db: heartbeatDb, coll: heartbeatColl, ordering: "ordered", options: NO_OPTIONS });
  const files = new Map<string, string>();
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  for (const { db, coll, ordering, options } of captured) {
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
          options,
        ),
      ),
    );
  }
  files.set(
    "triggers/runSnapshot.json",
    json(databaseTrigger("runSnapshot", signalDb, signalColl, "runSnapshot", ["INSERT"], false)),
  );
  for (const [name, functionName] of SCHEDULED_TRIGGERS)
    files.set(`triggers/${name}.json`, json(scheduledTrigger(name, functionName)));
  files.set(
    "values/CAPTURED_NAMESPACES.json",
    json({ name: "CAPTURED_NAMESPACES", from_secret: false, value: captured.map(({ db, coll }) => `${db}.${coll}`) }),
  );
  files.set(
    "values/CAPTURE_OPTIONS.json",
    json({ name: "CAPTURE_OPTIONS", from_secret: false, value: captureOptionsValue(entries) }),
  );
  const masks = entries.some((entry) => entry.options.mask.length > 0);
  files.set(
    "values/CAPTURE_MASK_KEY.json",
    json({ name: "CAPTURE_MASK_KEY", from_secret: masks, value: masks ? MASK_KEY_SECRET : "" }),
  );
  return files;
}

/** Whether `npm run build` generates this trigger file (from the capture list, or the fixed triggers). */
export function isGeneratedTrigger(file: string): boolean {
  return (
    file.startsWith("capture_") ||
    file === "runSnapshot.json" ||
    SCHEDULED_TRIGGERS.some(([name]) => file === `${name}.json`)
  );
}

/** Whether `npm run build` generates this value file. */
export function isGeneratedValue(file: string): boolean {
  return file === "CAPTURED_NAMESPACES.json" || file === "CAPTURE_OPTIONS.json" || file === "CAPTURE_MASK_KEY.json";
}

/**
 * Why a build must not go on with this list: it names no collection, so the build would generate no
 * capture trigger and remove every one there is. Undefined when it names one, or `--allow-empty` says so.
 */
export function emptyListProblem(
  listText: string,
  allowEmpty: boolean,
  existing: readonly string[],
): string | undefined {
  if (allowEmpty || parseCaptureList(listText, CAPTURE_LIST).length > 0) return undefined;
  const files = generateExportFiles(listText);
  const removed = existing.filter((file) => isStaleGeneratedTrigger(file, files));
  return (
    `${CAPTURE_LIST} names no collection: a build would generate no capture trigger` +
    (removed.length > 0 ? ` and remove ${removed.map((file) => `triggers/${file}`).join(", ")}` : "") +
    " (only the heartbeat collection's would remain). Add a collection, or run `npm run build -- --allow-empty` if you mean it."
  );
}

function isStaleGeneratedTrigger(file: string, files: Map<string, string>): boolean {
  return file.endsWith(".json") && isGeneratedTrigger(file) && !files.has(`triggers/${file}`);
}

/**
 * Where `appRoot`'s generated files are not what `files` (generated from its list) holds: each file
 * missing or different, and each capture trigger the list no longer generates. `npm run build --
 * --check` and `npm run check` both report these.
 */
export function exportDrift(appRoot: string, files: Map<string, string>): { path: string; why: string }[] {
  const drift: { path: string; why: string }[] = [];
  for (const [path, content] of files) {
    const target = join(appRoot, path);
    if (!existsSync(target)) drift.push({ path, why: "missing" });
    else if (readFileSync(target, "utf8") !== content) drift.push({ path, why: "differs" });
  }
  const triggers = existsSync(join(appRoot, "triggers")) ? readdirSync(join(appRoot, "triggers")) : [];
  for (const file of triggers.filter((f) => isStaleGeneratedTrigger(f, files)))
    drift.push({ path: `triggers/${file}`, why: "no longer in the capture list" });
  return drift;
}

/**
 * Writes (or with `check`, compares) every generated file; returns the exit code. `npm run build`'s
 * first step, before the functions are bundled.
 */
export function generateExport({ check, allowEmpty }: { check: boolean; allowEmpty: boolean }): number {
  let files: Map<string, string>;
  const listText = readFileSync(join(root, CAPTURE_LIST), "utf8");
  const triggers = readdirSync(join(root, "triggers"));
  try {
    files = generateExportFiles(listText);
    const empty = check ? undefined : emptyListProblem(listText, allowEmpty, triggers);
    if (empty) {
      console.error(empty);
      return 1;
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  }
  // Only capture triggers are ours to remove: any other trigger file (one made in the Atlas UI and
  // brought in by `npm run pull`) belongs to the user and survives every build.
  const stale = triggers.filter((file) => isStaleGeneratedTrigger(file, files));
  if (check) {
    const drifted = exportDrift(root, files).map(({ path, why }) =>
      why === "no longer in the capture list" ? `${path} (${why})` : path,
    );
    if (drifted.length > 0) {
      console.error(`generated export files differ from ${CAPTURE_LIST}: ${drifted.join(", ")} (run npm run build)`);
      return 1;
    }
    return 0;
  }
  for (const [path, content] of files) {
    const target = join(root, path);
    if (!existsSync(target) || readFileSync(target, "utf8") !== content) writeFileSync(target, content);
  }
  for (const file of stale) unlinkSync(join(root, "triggers", file));
  if (parseCaptureList(listText, CAPTURE_LIST).length === 0)
    console.warn(
      `warning: ${CAPTURE_LIST} names no collection; only the heartbeat collection is captured (--allow-empty)`,
    );
  console.log(
    `triggers/: ${[...files.keys()].filter((path) => path.startsWith("triggers/")).length} triggers from ${CAPTURE_LIST}`,
  );
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename))
  process.exit(
    generateExport({ check: process.argv.includes("--check"), allowEmpty: process.argv.includes("--allow-empty") }),
  );
