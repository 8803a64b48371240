/**
 * What one delivery did, for metrics: the answer's status, how long it took, and what became of
 * its records. Record outcomes count only what a 200 acknowledged; a delivery answered otherwise is
 * sent again by Firehose, and its records are counted then.
 */
export interface DeliveryReport {
  readonly status: number;
  readonly durationMs: number;
  /** Request-body bytes as received (before gunzip). */
  readonly bodyBytes: number;
  readonly records: RecordOutcomes;
}

export interface RecordOutcomes {
  /** Written to the target (documents, changes, heartbeats). */
  readonly stored: number;
  readonly dead_lettered: number;
  /** Records with empty data, skipped. */
  readonly empty: number;
  /** A later (or newer) record of the same document in the same delivery won. */
  readonly superseded: number;
  /** Change events older than what the target (or its delete positions) already held, not applied. */
  readonly stale: number;
}

/** The outcomes of a delivery answered before its records were read (refused, or over a limit). */
export const NO_RECORDS: RecordOutcomes = { stored: 0, dead_lettered: 0, empty: 0, superseded: 0, stale: 0 };

export const RECORD_OUTCOMES: readonly (keyof RecordOutcomes)[] = [
  "stored",
  "dead_lettered",
  "empty",
  "superseded",
  "stale",
];

/** The port through which the core reports each delivery; hosts turn it into metrics. */
export interface DeliveryObserver {
  delivered(report: DeliveryReport): void;
}
