import { errorsOf, type ErrorTable } from "../errors";

/** The record reader's codes: a record that is not a document BSON can hold, kind "refused" (src/core/errors.ts says what a code is). */
export const EJSON_ERRORS = {
  extended_json_invalid: { kind: "refused", message: "data is not valid Extended JSON" },
  field_name_invalid: { kind: "refused", message: "a field name cannot be held by BSON as it is" },
  string_invalid: { kind: "refused", message: "a string holds an unpaired UTF-16 surrogate" },
  nesting_too_deep: { kind: "refused", message: "the record nests too deep" },
} as const satisfies ErrorTable;

export const ejsonErrors = /* @__PURE__ */ errorsOf(EJSON_ERRORS);
