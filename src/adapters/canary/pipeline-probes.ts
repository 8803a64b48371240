import type { HopName, CanaryProbes, ProbeAnswer } from "../../core/canary/run-canary";
import { targetFor, type Namespace } from "../../core/firehose/apply/routing";
import type { FirehoseConfig } from "../../core/firehose/config";
import type { Clock, CollectionPort, DataSourcePort, Document } from "../../core/ports";

/** Any Kinesis operation, signed (createKinesisCall, or the local emulator's). */
export type KinesisOperation = <T>(operation: string, payload: Record<string, unknown>) => Promise<T>;

export interface CanaryWorld {
  readonly dataSource: DataSourcePort;
  /** The captured collection the canary is written into. */
  readonly source: Namespace;
  /** Where the trigger puts what it could not put on the stream. */
  readonly outbox: Namespace;
  readonly firehose: Pick<FirehoseConfig, "routing" | "database" | "deadLetterCollection">;
  /** The stream, or why it cannot be read here. */
  readonly stream: { call: KinesisOperation; streamName: string } | { unobservable: string };
  readonly clock: Clock;
}

/** A canary id: a string _id, which is also its partition key on the stream (partition-key.ts). */
export function canaryId(now: number, random: () => number = Math.random): string {
  return `akb-canary-${new Date(now).toISOString()}-${Math.floor(random() * 0xffffff).toString(16)}`;
}

/**
 * The probes of one canary over a real pipeline: MongoDB (or the embedded store) for the source,
 * the outbox, the dead letters and the mirror; the Kinesis API for the stream, read from where it
 * ended before the canary was written (LATEST iterators taken first), so no old record is scanned.
 */
export function createPipelineProbes(world: CanaryWorld, id: string): CanaryProbes & { cleanUp(): Promise<void> } {
  const collection = (ns: Namespace) => world.dataSource.db(ns.db).collection(ns.coll) as CollectionPort;
  const writtenAt = new Date(world.clock.now());
  const canary: Document = { _id: id, akbCanary: true, writtenAt };
  const stream = "call" in world.stream ? new StreamWatch(world.stream.call, world.stream.streamName, id) : undefined;
  let onStream: ProbeAnswer;
  let outboxed: Document | null = null;
  const target = targetFor(world.firehose.routing, world.source, new Map());

  const probes: Record<HopName, () => Promise<ProbeAnswer>> = {
    "trigger ran": async () => {
      if (onStream && "at" in onStream) return { at: onStream.at, detail: "its record reached the stream" };
      outboxed = await collection(world.outbox).findOne({ partitionKey: id });
      if (outboxed) return { at: dateMs(outboxed.enqueuedAt, world.clock), detail: "it put the record in the outbox" };
      return undefined;
    },
    "record on the stream": async () => {
      if (!stream) return { unobservable: (world.stream as { unobservable: string }).unobservable };
      onStream = await stream.find();
      if (!(onStream && "at" in onStream) && outboxed)
        return {
          waiting:
            `the record is in the outbox (${world.outbox.db}.${world.outbox.coll}), not on the stream: ` +
            `${String(outboxed.lastError || "no error recorded")}; drainOutbox retries it every minute`,
        };
      return onStream;
    },
    "delivery accepted": async () => {
      const stored = await mirrored();
      if (stored) return { at: stored.at, detail: "the webhook answered 200 and stored it" };
      const refused = await deadLettered();
      return refused
        ? { stuck: `the webhook accepted the delivery but dead-lettered the canary: ${refused}` }
        : undefined;
    },
    "document in the target": async () => {
      if ("problem" in target)
        return { stuck: `the webhook has no target for ${world.source.db}.${world.source.coll}: ${target.reason}` };
      const stored = await mirrored();
      if (!stored) return undefined;
      if (!stored.same)
        return { stuck: `${target.db}.${target.coll} holds a different document under the canary's _id` };
      return { at: stored.at, detail: `${target.db}.${target.coll} holds it as written` };
    },
  };
  let mirroredAt: number | undefined;
  const mirrored = async (): Promise<{ at: number; same: boolean } | undefined> => {
    if ("problem" in target) return undefined;
    const found = await collection(target).findOne({ _id: id });
    if (!found) return undefined;
    mirroredAt = mirroredAt ?? world.clock.now();
    const same = found.akbCanary === true && dateMs(found.writtenAt, world.clock) === writtenAt.getTime();
    return { at: mirroredAt, same };
  };
  const deadLettered = async (): Promise<string | undefined> => {
    const letters = await collection({ db: world.firehose.database, coll: world.firehose.deadLetterCollection })
      .find({ receivedAt: { $gte: writtenAt } })
      .toArray();
    const mine = letters.find(
      (letter) => typeof letter.data === "string" && Buffer.from(letter.data, "base64").toString("utf8").includes(id),
    );
    return mine ? `${String(mine.reasonCode)}: ${String(mine.reason)}` : undefined;
  };
  return {
    insert: async () => {
      await stream?.open();
      await collection(world.source).bulkWrite([{ insertOne: { document: canary } }], { ordered: true });
    },
    probes,
    // Deleting the canary from the source sends its delete down the same path: the mirror drops it too.
    cleanUp: async () => {
      await collection(world.source).deleteMany({ _id: id });
    },
  };
}

function dateMs(value: unknown, clock: Clock): number {
  return value instanceof Date ? value.getTime() : clock.now();
}

/** Reads the stream forward from its ends as they were before the canary, looking for its partition key. */
class StreamWatch {
  private readonly iterators = new Map<string, string>();
  private found: ProbeAnswer;

  constructor(
    private readonly call: KinesisOperation,
    private readonly streamName: string,
    private readonly partitionKey: string,
  ) {}

  private openError?: string;

  /** Takes the shards' ends; a stream that cannot be read is said by `find`, and the canary is written all the same. */
  async open(): Promise<void> {
    try {
      await this.openShards();
    } catch (error) {
      this.openError = error instanceof Error ? error.message : String(error);
    }
  }

  private async openShards(): Promise<void> {
    const { Shards } = await this.call<{
      Shards: { ShardId: string; SequenceNumberRange?: { EndingSequenceNumber?: string } }[];
    }>("ListShards", { StreamName: this.streamName });
    for (const shard of Shards) {
      if (shard.SequenceNumberRange?.EndingSequenceNumber) continue; // closed: nothing new lands there
      const { ShardIterator } = await this.call<{ ShardIterator: string }>("GetShardIterator", {
        StreamName: this.streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: "LATEST",
      });
      this.iterators.set(shard.ShardId, ShardIterator);
    }
  }

  async find(): Promise<ProbeAnswer> {
    if (this.found) return this.found;
    if (this.openError !== undefined)
      return { waiting: `the stream ${this.streamName} could not be read: ${this.openError}` };
    for (const [shardId, iterator] of [...this.iterators]) {
      const page = await this.call<{
        Records: { PartitionKey: string; SequenceNumber: string; ApproximateArrivalTimestamp?: number }[];
        NextShardIterator?: string;
      }>("GetRecords", { ShardIterator: iterator, Limit: 10_000 });
      if (page.NextShardIterator) this.iterators.set(shardId, page.NextShardIterator);
      else this.iterators.delete(shardId);
      const record = page.Records.find((r) => r.PartitionKey === this.partitionKey);
      if (record) {
        const at =
          typeof record.ApproximateArrivalTimestamp === "number"
            ? Math.round(record.ApproximateArrivalTimestamp * 1000)
            : Date.now();
        this.found = { at, detail: `${this.streamName}, ${shardId}, sequence number ${record.SequenceNumber}` };
        return this.found;
      }
    }
    return undefined;
  }
}
