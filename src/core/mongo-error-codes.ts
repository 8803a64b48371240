/**
 * The MongoDB server error codes this project branches on, by their server names (mongodb/mongo,
 * src/mongo/base/error_codes.yml). Shared by the webhook and the embedded store so both speak the
 * same numbers.
 */
export const MongoErrorCode = {
  BadValue: 2,
  FailedToParse: 9,
  Overflow: 15,
  PathNotViable: 28,
  ConflictingUpdateOperators: 40,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  InvalidDBRef: 55,
  EmptyFieldName: 56,
  DottedFieldName: 57,
  ImmutableField: 66,
  DocTooLargeForCapped: 116,
  DocumentValidationFailure: 121,
  CannotIndexParallelArrays: 171,
  ChangeStreamHistoryLost: 286,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  /** OBSOLETE_KeyTooLong in error_codes.yml: servers before 4.2 (or at FCV 4.0) refuse an index key over 1024 bytes. */
  KeyTooLong: 17280,
  /** Not in error_codes.yml: an assertion code ("Resulting document after update is larger than 16777216") of servers before BSONObjectTooLarge took its place. */
  DocumentTooLarge: 17419,
  // Only the embedded store's refusals (src/embedded) use these:
  TypeMismatch: 14,
  NotSingleValueField: 54,
  NotExactValueField: 111,
} as const;

/**
 * The server's write errors that are about one document and that no retry of the same write can
 * fix: the document (or, for an update, the document it would make) is unacceptable as it is.
 * The webhook dead-letters the record whose write met one of these and acknowledges the rest of the
 * batch (firehose/apply/bulk-write-refusals.ts); every other code, and any error the server does not tie
 * to one write (write concern, network, timeouts, not primary, shutting down, stale routing, an
 * overloaded server, one unknown here), fails the delivery, and Firehose retries it. A record
 * dead-lettered for a fixable reason (a validator, a unique index) can be replayed after the fix.
 *
 * Audited against error_codes.yml: codes in its retryable, network, timeout, interruption,
 * not-primary, shutdown, stale-routing, write-concern or overload categories are never here; of the
 * rest, these are the ones a replace, update or delete of one document meets because of that
 * document. Each has a test (test/unit/firehose/apply/bulk-write-refusals.test.ts).
 *
 * Why each is the record's own:
 * - BadValue: a value the server cannot store (invalid elements)
 * - Overflow: the document nests deeper than the server stores
 * - PathNotViable: an update path runs through a value that is not a document
 * - ConflictingUpdateOperators: an update changes a path and a path inside it
 * - DollarPrefixedFieldName: a field name starts with $ where the server refuses one
 * - InvalidIdField: the _id is an array, a regular expression or undefined
 * - InvalidDBRef: a malformed DBRef
 * - EmptyFieldName: an update path with an empty field name
 * - DottedFieldName: a dotted field name where the server refuses one
 * - ImmutableField: the write would change _id (or a shard key)
 * - DocTooLargeForCapped: the document is larger than the capped collection
 * - DocumentValidationFailure: the collection's validator refuses the document
 * - CannotIndexParallelArrays: a compound index would index two arrays of the document
 * - BSONObjectTooLarge: the document is larger than 16 MiB
 * - DuplicateKey: another document holds the same key of a unique index
 * - KeyTooLong: an index key over 1024 bytes (servers before 4.2)
 * - DocumentTooLarge: the updated document is larger than 16 MiB (older servers)
 */
export const PERMANENT_FOR_A_RECORD: ReadonlySet<number> = new Set<number>([
  MongoErrorCode.BadValue,
  MongoErrorCode.Overflow,
  MongoErrorCode.PathNotViable,
  MongoErrorCode.ConflictingUpdateOperators,
  MongoErrorCode.DollarPrefixedFieldName,
  MongoErrorCode.InvalidIdField,
  MongoErrorCode.InvalidDBRef,
  MongoErrorCode.EmptyFieldName,
  MongoErrorCode.DottedFieldName,
  MongoErrorCode.ImmutableField,
  MongoErrorCode.DocTooLargeForCapped,
  MongoErrorCode.DocumentValidationFailure,
  MongoErrorCode.CannotIndexParallelArrays,
  MongoErrorCode.BSONObjectTooLarge,
  MongoErrorCode.DuplicateKey,
  MongoErrorCode.KeyTooLong,
  MongoErrorCode.DocumentTooLarge,
]);
