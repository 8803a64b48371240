import type { WriteOperation, Document } from "../core/ports";
import type { EmbeddedCollection } from "./collection";

/** App Services' bulk builder: `find(filter).upsert().updateOne(update)` / `replaceOne`, `insert`. */
export class EmbeddedBulkOp {
  private readonly operations: WriteOperation[] = [];
  constructor(
    private readonly collection: EmbeddedCollection,
    private readonly ordered: boolean,
  ) {}

  insert(document: Document): this {
    this.operations.push({ insertOne: { document } });
    return this;
  }

  find(filter: Document) {
    let upsert = false;
    const builder = {
      upsert: () => {
        upsert = true;
        return builder;
      },
      updateOne: (update: Document) => {
        const isReplacement = Object.keys(update).some((key) => key.charCodeAt(0) !== 36);
        this.operations.push(
          isReplacement
            ? { replaceOne: { filter, replacement: update, upsert } }
            : { updateOne: { filter, update, upsert } },
        );
      },
      replaceOne: (replacement: Document) => {
        this.operations.push({ replaceOne: { filter, replacement, upsert } });
      },
      update: (update: Document) => {
        this.operations.push({ updateMany: { filter, update, upsert } });
      },
      deleteOne: () => {
        this.operations.push({ deleteOne: { filter } });
      },
      delete: () => {
        this.operations.push({ deleteMany: { filter } });
      },
    };
    return builder;
  }

  execute(): Promise<BulkResult> {
    return this.collection.runBulk(this.operations, this.ordered);
  }
}

export interface WriteResult {
  matchedCount: number;
  modifiedCount: number;
  upsertedId?: unknown;
  upsertedCount?: number;
}

export interface BulkResult {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
  insertedIds: unknown[];
}

export function addCounts(result: BulkResult, write: WriteResult): void {
  result.matchedCount += write.matchedCount;
  result.modifiedCount += write.modifiedCount;
  result.upsertedCount += write.upsertedCount ?? 0;
}
