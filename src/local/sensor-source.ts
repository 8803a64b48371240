import { Double, ObjectId } from "bson";
import type { CollectionPort, Document } from "../core/ports";

/**
 * Readings like the seed article's Raspberry Pi script (node name, humidity, temperature, pressure,
 * movement flag, acceleration, recorded time), inserted at a steady rate. Measurements are BSON
 * doubles even when whole, so a lossless pipeline must keep them doubles.
 */
export function sensorReading(node: string, sequence: number, random: () => number = Math.random): Document {
  const round = (value: number) => new Double(Math.round(value * 100) / 100);
  return {
    _id: new ObjectId(),
    node,
    sequence,
    humidity: round(35 + random() * 30),
    temperature: round(15 + random() * 15),
    pressure: round(990 + random() * 40),
    movement: random() < 0.2,
    acceleration: { x: round(random() - 0.5), y: round(random() - 0.5), z: round(9.81 + random() / 10) },
    recordedAt: new Date(),
  };
}

export interface SensorSource {
  readonly inserted: number;
  /** When each reading was inserted (ms), by hex _id, for latency figures. */
  readonly insertedAt: Map<string, number>;
  stop(): Promise<void>;
  /** Resolves when `limit` readings are in (or at once without a limit). */
  finished: Promise<void>;
}

export function startSensorSource(
  collection: CollectionPort & { insertOne(doc: Document): Promise<unknown> },
  options: { ratePerSecond: number; limit?: number; nodes?: string[] },
): SensorSource {
  const nodes = options.nodes ?? ["pi-zürich", "pi-東京", "pi-são-paulo", "pi-kraków"];
  const insertedAt = new Map<string, number>();
  let inserted = 0;
  let stopped = false;
  let resolveFinished: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (resolveFinished = resolve));
  const started = Date.now();
  const loop = (async () => {
    while (!stopped && (options.limit === undefined || inserted < options.limit)) {
      // Keep the rate steady: insert what is due, then sleep until the next one is.
      const due = Math.floor(((Date.now() - started) / 1000) * options.ratePerSecond) + 1;
      while (inserted < due && !stopped && (options.limit === undefined || inserted < options.limit)) {
        const reading = sensorReading(nodes[inserted % nodes.length], inserted);
        await collection.insertOne(reading);
        insertedAt.set((reading._id as ObjectId).toHexString(), Date.now());
        inserted++;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, 1000 / options.ratePerSecond)));
    }
    resolveFinished();
  })();
  return {
    get inserted() {
      return inserted;
    },
    insertedAt,
    finished,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
