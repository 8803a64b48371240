import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { isClosingRecord, readClosingRecord } from "../../stream-format/reconcile-records";
import { refusal } from "../dead-letters/dead-letter-reasons";
import { refused, type Recognition, type RecordFormat } from "./record-format";

/**
 * A reconcile's closing record (docs/record-format.md#reconcile-marks-and-closing-records): not a
 * document and not a change, but what the webhook waits for before it sweeps (reconcile.ts). It comes
 * before mongodbChangeEvent, which would dead-letter its operation type as unknown.
 */
export const reconcileClosing: RecordFormat = {
  name: "reconcile closing record",
  recognise(record: Document, bson: BsonPort): Recognition | undefined {
    if (!isClosingRecord(record)) return undefined;
    const closing = readClosingRecord(record, bson);
    if ("invalid" in closing)
      return refused(refusal("reconcile_invalid", `reconcile closing record: ${closing.invalid}`));
    return { kind: "closing", closing };
  },
};
