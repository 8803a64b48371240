import { firehoseDefaults, type FirehoseConfig } from "../../src/core/firehose/config";
import { deadLetterStore, type DeadLetterStore } from "../../src/core/firehose/dead-letters/dead-letters";
import type { DataSourcePort } from "../../src/core/ports";

/** The dead letters a test's store holds, read through the port the webhook writes them with. */
export function deadLettersIn(
  store: DataSourcePort,
  config: Pick<FirehoseConfig, "database" | "deadLetterCollection"> = firehoseDefaults,
): DeadLetterStore {
  return deadLetterStore(store, config);
}
