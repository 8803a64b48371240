import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { refusal } from "../dead-letters/dead-letter-reasons";
import { POSITION_FIELD } from "../apply/position-field";
import { idProblem, positionFieldRefusal } from "./document-id";
import { refused, type Recognition, type RecordFormat } from "./record-format";

/**
 * Any JSON object no earlier format claims: stored as it is, replaced by _id. It comes last, so a
 * record with the marks of a change event never gets here (see mongodb-change-event.ts).
 */
export const plainDocument: RecordFormat = {
  name: "plain document",
  recognise(record: Document, bson: BsonPort): Recognition {
    // A parsed record holds no undefined values, and a named load is cheaper than `in`.
    if (record._id !== undefined) {
      const problem = idProblem(record._id, bson);
      if (problem !== undefined) return refused(refusal("invalid_id", `_id ${problem}`));
    }
    // Stored, it would pass for the document's change position and make every later change stale.
    if (record[POSITION_FIELD] !== undefined) return refused(positionFieldRefusal("the document"));
    return { kind: "document", document: record };
  },
};
