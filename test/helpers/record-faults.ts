import type { CollectionPort, DataSourcePort, Document, WriteOperation } from "../../src/core/ports";

interface WriteError {
  index: number;
  code: number;
  errmsg: string;
  keyPattern?: Record<string, unknown>;
}

/** Marks a record's document carries to make the fault-injecting store below fail its write. */
export const ENCODER_FAILS = "encoderFails";
export const SERVER_REFUSES = "serverRefuses";

function marked(operation: WriteOperation, mark: string): boolean {
  const document: Document | undefined =
    "replaceOne" in operation
      ? operation.replaceOne.replacement
      : "insertOne" in operation
        ? operation.insertOne.document
        : undefined;
  return document !== undefined && document[mark] === true;
}

/**
 * `store` with the two ways a write can fail because of one document, as the driver and MongoDB
 * fail it, on the collection `target`: the encoder throws a BSONError before anything is sent when
 * any operation's document carries ENCODER_FAILS (it names no operation), and the server refuses
 * the operations whose document carries SERVER_REFUSES with DocumentValidationFailure (121) as an
 * unordered bulk write does, after writing every other one.
 */
export function faultInjectingStore(store: DataSourcePort, target = "firehose"): DataSourcePort {
  return {
    db: (name) => ({
      collection: (collectionName) => {
        const real = store.db(name).collection(collectionName);
        if (collectionName !== target) return real;
        return Object.assign(Object.create(real) as CollectionPort, {
          bulkWrite: async (operations: WriteOperation[], options: { ordered: boolean }) => {
            if (operations.some((operation) => marked(operation, ENCODER_FAILS)))
              throw Object.assign(new Error("cannot encode the value"), { name: "BSONError" });
            const refused = operations.flatMap((operation, index) =>
              marked(operation, SERVER_REFUSES) ? [index] : [],
            );
            if (refused.length === 0) return real.bulkWrite(operations, options);
            const kept = operations.flatMap((_, index) => (refused.includes(index) ? [] : [index]));
            const writeErrors: WriteError[] = refused.map((index) => ({
              index,
              code: 121,
              errmsg: "Document failed validation",
            }));
            try {
              await real.bulkWrite(
                kept.map((index) => operations[index]),
                options,
              );
            } catch (error) {
              const others = (error as { writeErrors?: WriteError[] }).writeErrors;
              if (!others) throw error;
              // The store numbers its errors within the operations it was given.
              for (const other of others) writeErrors.push({ ...other, index: kept[other.index] });
            }
            throw Object.assign(new Error("bulk write failed"), {
              name: "MongoBulkWriteError",
              writeErrors: writeErrors.sort((a, b) => a.index - b.index),
            });
          },
        });
      },
    }),
  };
}
