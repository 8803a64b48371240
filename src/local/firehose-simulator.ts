import { sendBatch, type SendResult, type SenderOptions } from "./firehose-sender";

/** Reads a Kinesis data stream: any API caller (local emulator or AWS) will do. */
export type KinesisCall = <T>(operation: string, payload: Record<string, unknown>) => Promise<T>;

export interface StreamRecord {
  shardId: string;
  sequenceNumber: string;
  data: Buffer;
  arrival: number;
}

/**
 * Polls every shard of a stream, each from its checkpoint (or the start of the stream), so records
 * come shard by shard in sequence order. Checkpoints move only when `commit` is called, after a batch
 * is acknowledged or backed up; a restarted reader re-reads what was not committed (at least once).
 */
export class KinesisStreamReader {
  private iterators = new Map<string, string>();

  constructor(
    private readonly call: KinesisCall,
    private readonly streamName: string,
    /** shardId -> last committed sequence number; shared with a restarted reader. */
    readonly checkpoints: Record<string, string> = {},
  ) {}

  async read(): Promise<StreamRecord[]> {
    if (this.iterators.size === 0) await this.openShards();
    const out: StreamRecord[] = [];
    for (const [shardId, iterator] of [...this.iterators]) {
      const page = await this.call<{
        Records: { Data: string; SequenceNumber: string; ApproximateArrivalTimestamp?: number }[];
        NextShardIterator?: string;
      }>("GetRecords", {
        ShardIterator: iterator,
        Limit: 10_000,
      });
      for (const r of page.Records) {
        const arrival =
          typeof r.ApproximateArrivalTimestamp === "number"
            ? Math.round(r.ApproximateArrivalTimestamp * 1000)
            : Date.now();
        out.push({ shardId, sequenceNumber: r.SequenceNumber, data: Buffer.from(r.Data, "base64"), arrival });
      }
      if (page.NextShardIterator) this.iterators.set(shardId, page.NextShardIterator);
      else this.iterators.delete(shardId); // a closed shard
    }
    return out;
  }

  commit(records: readonly StreamRecord[]): void {
    for (const record of records) {
      const current = this.checkpoints[record.shardId];
      if (current === undefined || BigInt(record.sequenceNumber) > BigInt(current))
        this.checkpoints[record.shardId] = record.sequenceNumber;
    }
  }

  private async openShards(): Promise<void> {
    const { Shards } = await this.call<{ Shards: { ShardId: string }[] }>("ListShards", {
      StreamName: this.streamName,
    });
    for (const { ShardId } of Shards) {
      const after = this.checkpoints[ShardId];
      const { ShardIterator } = await this.call<{ ShardIterator: string }>("GetShardIterator", {
        StreamName: this.streamName,
        ShardId,
        ...(after
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: after }
          : { ShardIteratorType: "TRIM_HORIZON" }),
      });
      this.iterators.set(ShardId, ShardIterator);
    }
  }
}

export interface SimulatorOptions {
  reader: KinesisStreamReader;
  /** Where and how each batch is sent (the webhook's URL, access key, retry window, backup folder). */
  sender: SenderOptions;
  /** BufferingHints.SizeInMBs, in bytes (default 5 MiB). */
  bufferSizeBytes?: number;
  /** BufferingHints.IntervalInSeconds, in ms (default 300 s; 0 = deliver as soon as records arrive). */
  bufferIntervalMs?: number;
  /** How often the stream is polled (default 200 ms). */
  pollIntervalMs?: number;
  /** After each batch, with its records (delivered, backed up, dropped or abandoned). */
  onBatch?: (result: SendResult, records: readonly StreamRecord[]) => void;
  onError?: (error: unknown) => void;
  /**
   * Stop after this many failed reads of the stream in a row with the same error, or when sending a
   * batch is abandoned (SenderOptions.giveUpAfterConnectionFailures), and call `onGiveUp` once with
   * the reason. Unset: retry forever, as Firehose does.
   */
  giveUpAfterRepeatedErrors?: number;
  onGiveUp?: (reason: string) => void;
}

export interface SimulatorStats {
  read: number;
  delivered: number;
  batches: number;
  retries: number;
  backedUp: number;
  dropped: number;
}

const MAX_RECORDS_PER_REQUEST = 10_000;

/**
 * A local Amazon Data Firehose with a Kinesis stream as source and an HTTP endpoint as destination:
 * buffers by size and interval hints (whichever first, and at 10,000 records), delivers one request at
 * a time with sendBatch (Firehose's headers, retries, backup), then commits the stream position.
 */
export class FirehoseSimulator {
  readonly stats: SimulatorStats = { read: 0, delivered: 0, batches: 0, retries: 0, backedUp: 0, dropped: 0 };
  private buffer: StreamRecord[] = [];
  private bufferBytes = 0;
  private bufferSince = 0;
  private running = false;
  private loop?: Promise<void>;

  constructor(private readonly options: SimulatorOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling; with `flush`, first delivers what is buffered. */
  async stop(flush = true): Promise<void> {
    this.running = false;
    await this.loop;
    if (flush && this.buffer.length > 0) await this.flush();
  }

  private async run(): Promise<void> {
    const size = this.options.bufferSizeBytes ?? 5 * 1024 * 1024;
    const interval = this.options.bufferIntervalMs ?? 300_000;
    let lastError = "";
    let repeats = 0;
    while (this.running) {
      try {
        const records = await this.options.reader.read();
        repeats = 0;
        if (records.length > 0 && this.buffer.length === 0) this.bufferSince = Date.now();
        for (const record of records) {
          this.buffer.push(record);
          this.bufferBytes += record.data.length;
        }
        this.stats.read += records.length;
        const due =
          this.buffer.length > 0 &&
          (this.bufferBytes >= size ||
            Date.now() - this.bufferSince >= interval ||
            this.buffer.length >= MAX_RECORDS_PER_REQUEST);
        if (due) await this.flush();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        repeats = message === lastError ? repeats + 1 : 1;
        lastError = message;
        const limit = this.options.giveUpAfterRepeatedErrors;
        if (limit && repeats >= limit) this.giveUp(`reading the stream failed ${repeats} times in a row: ${message}`);
        // Only a new error is reported while giving up is possible; repeats of it are counted.
        else if (!limit || repeats === 1) this.options.onError?.(error);
      }
      if (this.running) await new Promise((resolve) => setTimeout(resolve, this.options.pollIntervalMs ?? 200));
    }
  }

  private giveUp(reason: string): void {
    if (!this.running) return;
    this.running = false;
    this.options.onGiveUp?.(reason);
  }

  private async flush(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, MAX_RECORDS_PER_REQUEST);
      const result = await sendBatch(
        batch.map((r) => r.data),
        batch.map((r) => r.arrival),
        this.options.sender,
      );
      if (result.outcome === "abandoned") {
        // Nothing was delivered or backed up: the batch stays uncommitted, so it is read again later.
        this.giveUp(
          `the webhook at ${this.options.sender.url} could not be reached ${result.attempts} times in a row: ${result.lastError ?? ""}`,
        );
        this.options.onBatch?.(result, batch);
        return;
      }
      this.stats.batches++;
      this.stats.retries += result.attempts - 1;
      if (result.outcome === "delivered") this.stats.delivered += batch.length;
      else if (result.outcome === "backed-up") this.stats.backedUp += batch.length;
      else this.stats.dropped += batch.length;
      this.options.reader.commit(batch);
      this.buffer = this.buffer.slice(batch.length);
      this.bufferBytes -= batch.reduce((sum, r) => sum + r.data.length, 0);
      this.options.onBatch?.(result, batch);
    }
  }
}
