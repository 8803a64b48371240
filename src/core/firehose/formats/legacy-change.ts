import type { BsonPort } from "../../bson-port";
import type { Document } from "../../ports";
import { degradedList, readChange, tokenData } from "./change-parts";
import type { Recognition, RecordFormat } from "./record-format";

/** Our records before they spoke MongoDB's change-event format; still accepted. */
export const LEGACY_CHANGE_KIND = "atlas-kinesis-bridge/change@1";

/**
 * `{kind: "atlas-kinesis-bridge/change@1", operationType, ns, documentKey, clusterTime, wallTime,
 * resumeToken, fullDocument, updateDescription, degraded}`: MongoDB's parts under the same names,
 * except the resume token (`resumeToken`, optional) and the list of parts left out (`degraded`).
 * Its mark is `kind`, which no other record has.
 */
export const legacyChange: RecordFormat = {
  name: "legacy change record (atlas-kinesis-bridge/change@1)",
  recognise(record: Document, bson: BsonPort): Recognition | undefined {
    if (record.kind !== LEGACY_CHANGE_KIND) return undefined;
    const token = record.resumeToken === undefined ? "" : tokenData(record.resumeToken, "resumeToken");
    return readChange(record, { token, degraded: degradedList(record.degraded) }, bson);
  },
};
