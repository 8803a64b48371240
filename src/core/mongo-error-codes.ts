/**
 * The MongoDB server error codes this project branches on, by their server names (see MongoDB's
 * error_codes.yml). Shared by the webhook and the embedded store so both speak the same numbers.
 */
export const MongoErrorCode = {
  BadValue: 2,
  FailedToParse: 9,
  DollarPrefixedFieldName: 52,
  InvalidDBRef: 55,
  DottedFieldName: 57,
  ImmutableField: 66,
  DocumentValidationFailure: 121,
  ChangeStreamHistoryLost: 286,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  KeyTooLong: 17280,
  DocumentTooLarge: 17419,
  // The embedded store's refusals (src/embedded), by name:
  ConflictingUpdateOperators: 40,
  EmptyFieldName: 56,
  InvalidIdField: 53,
  NotExactValueField: 111,
  NotSingleValueField: 54,
  Overflow: 15,
  PathNotViable: 28,
  TypeMismatch: 14,
} as const;
