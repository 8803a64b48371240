/**
 * The reconcile protocol's part of our stream's format (docs/record-format.md#reconcile-marks-and-closing-records), shared by the producer
 * (capture/reconcile.ts) and the webhook (firehose/reconcile.ts).
 *
 * A reconcile is a snapshot whose reads carry `_akb: {reconcile: {id, part, seq}}`: the signal's id,
 * the part of the collection the read belongs to (a planned range's index within its collection, 0
 * when the collection is read in one part), and the read's sequence number within its part. After a
 * part's last read the producer puts one closing record:
 *
 *   {operationType: "reconcile", clusterTime: <read position>, wallTime, ns: {db, coll},
 *    _akb: {reconcile: {id, part, parts, sent, ranges: [[from, to], ...]}}}
 *
 * `parts` is how many parts the collection has, `ranges` the half-open ranges of sequence numbers
 * the part's reads used (one range unless a run died and its successor skipped numbers it might have
 * used), `sent` their total. A consumer that has applied every read of every part of a collection may
 * remove the documents of that collection it holds at a position older than the read position: the
 * source no longer has them.
 */
export const RECONCILE_OPERATION = "reconcile";

/** What a reconcile's read carries in `_akb.reconcile`. */
export interface ReadMarkFields {
  readonly id: string;
  readonly part: number;
  readonly seq: number;
}

/** What a closing record carries in `_akb.reconcile`. */
export interface ClosingFields {
  readonly id: string;
  readonly part: number;
  readonly parts: number;
  readonly sent: number;
  readonly ranges: readonly (readonly [number, number])[];
}

/** The partition key of a part's closing record (hashed like any key over 256 characters). */
export function closingPartitionKey(id: string, namespace: string, part: number): string {
  return `reconcile:${id}:${namespace}:${part}`;
}
