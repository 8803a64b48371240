import { maxBodySetting } from "../adapters/mongodb/env-deps";
import { captureSettings, kinesisSettings } from "../core/capture/config";
import { firehoseSettings } from "../core/firehose/config";
import { readSetting, type Setting } from "../core/settings";
import type { EnvironmentSpec, OptionSpec } from "./command-line";

/**
 * The environment variables the commands read, for their --help: names and defaults come from the
 * settings tables the code reads them with, so the help cannot drift from them.
 */
export function fromSetting(entry: Setting<unknown>, description: string, defaultText?: string): EnvironmentSpec {
  if (defaultText !== undefined) return { name: entry.name, description, default: defaultText };
  const value = readSetting(() => undefined, entry);
  const shown =
    value === undefined
      ? undefined
      : value instanceof Set
        ? value.size === 0
          ? "none"
          : [...(value as Set<unknown>)].join(",")
        : String(value);
  return { name: entry.name, description, ...(shown === undefined ? {} : { default: shown }) };
}

export const mongodbUri = (what: string, otherwise: string): EnvironmentSpec => ({
  name: "MONGODB_URI",
  description: `the cluster ${what} (a secret: never logged)`,
  default: otherwise,
});

/** Where the webhook writes: the Firehose target, its dead letters, delete positions and latest heartbeats. */
export const webhookEnvironment: readonly EnvironmentSpec[] = [
  fromSetting(firehoseSettings.database, "database of the target and its companions"),
  fromSetting(firehoseSettings.collection, "target collection"),
  fromSetting(firehoseSettings.deadLetterCollection, "dead-letter collection"),
  fromSetting(firehoseSettings.deletesCollection, "delete positions of the mirror"),
  fromSetting(firehoseSettings.reconcileCollection, "reconciles' read marks, closings and sweeps"),
  fromSetting(firehoseSettings.firehoseHeartbeatCollection, "latest heartbeat seen per app"),
  fromSetting(firehoseSettings.namespaceMap, 'change events by source namespace, JSON {"db.coll": "db.coll"}'),
  fromSetting(firehoseSettings.unmappedTemplate, "unmapped change events: default target, or a template {db}.{coll}"),
  fromSetting(firehoseSettings.captured, "captured namespaces a target may not be (comma-separated)"),
  fromSetting(firehoseSettings.heartbeatDatabase, "database of the heartbeat documents"),
  fromSetting(firehoseSettings.heartbeatCollection, "collection of the heartbeat documents"),
  fromSetting(maxBodySetting, "largest delivery body, before and after gunzip, in bytes"),
];

/** What `npm run status` reads besides the webhook's collections. */
export const statusEnvironment: readonly EnvironmentSpec[] = [
  fromSetting(captureSettings.heartbeatDatabase, "database of the heartbeat documents"),
  fromSetting(captureSettings.heartbeatCollection, "collection of the heartbeat documents"),
  fromSetting(captureSettings.outboxDatabase, "database of the outbox", "HEARTBEAT_DATABASE"),
  fromSetting(captureSettings.outboxCollection, "the outbox"),
  fromSetting(captureSettings.signalDatabase, "database of the snapshot signals", "HEARTBEAT_DATABASE"),
  fromSetting(captureSettings.signalCollection, "snapshot signals"),
  fromSetting(firehoseSettings.database, "database of the webhook's collections"),
  fromSetting(firehoseSettings.deadLetterCollection, "dead-letter collection"),
  fromSetting(firehoseSettings.firehoseHeartbeatCollection, "latest heartbeat the webhook saw per app"),
];

/** The AWS side of the local tools. */
export const awsEnvironment: readonly EnvironmentSpec[] = [
  fromSetting(kinesisSettings.region, "AWS region (also the default of --region)"),
  fromSetting(kinesisSettings.accessKeyId, "AWS credentials (required with --aws)"),
  fromSetting(kinesisSettings.secretAccessKey, "AWS credentials (required with --aws)"),
  fromSetting(kinesisSettings.sessionToken, "AWS session token, with temporary credentials"),
];

/** `--data <dir>` of the commands that run the embedded store (npm start, npm run serve). */
export const keepStoreOption = {
  type: "string",
  value: "<dir>",
  description:
    "keep the embedded store in <dir> (loaded at start, saved every second and at exit) for npm run status / " +
    "replay-firehose-backup -- --data <dir>",
  defaultText: "in memory, lost at exit",
} as const satisfies OptionSpec;
