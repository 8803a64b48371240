/**
 * A webhook server process for the server-limit tests: the real createFirehoseServer with its limits
 * from the environment, over a database that accepts every write and keeps nothing, so the process's
 * memory shows what the server and the core hold, not what a store keeps. Prints its port, and
 * `inflight peak <bytes>` each time the server's own in-flight byte count reaches a new high.
 */
import { createFirehoseServer } from "../../src/adapters/node-http/firehose-server";
import { InflightBudget } from "../../src/adapters/node-http/inflight-budget";
import { serverLimitsFromEnv } from "../../src/adapters/node-http/server-settings";
import { nodeBson } from "../../src/adapters/bson/node-bson";
import { decodeUtf8Run } from "../../src/adapters/node/decode-utf8-run";
import { applyRecordsInProcess } from "../../src/core/firehose/apply/apply-records";
import { readFirehoseConfig } from "../../src/core/firehose/config";
import type { CollectionPort, DataSourcePort } from "../../src/core/ports";

const discard: CollectionPort = {
  bulkWrite: async () => ({}),
  findOne: async () => null,
  find: () => ({
    sort() {
      return this;
    },
    limit() {
      return this;
    },
    toArray: async () => [],
  }),
  updateOne: async () => ({ matchedCount: 0 }),
  deleteMany: async () => ({}),
};
const dataSource: DataSourcePort = { db: () => ({ collection: () => discard }) };
const quiet = { info() {}, warn() {}, error() {} };
const deps = {
  config: readFirehoseConfig((name) => process.env[name], Number(process.env.FIREHOSE_MAX_BODY_BYTES) || undefined),
  dataSource,
  bson: nodeBson,
  clock: { now: () => Date.now() },
  logger: quiet,
  decodeUtf8Run,
  applyRecords: applyRecordsInProcess,
};
// Observed at every change of the budget's count (the server's own gauge), not sampled.
let peak = 0;
for (const method of ["reserve", "grow"] as const) {
  const original = InflightBudget.prototype[method] as (this: InflightBudget, ...args: unknown[]) => unknown;
  Object.defineProperty(InflightBudget.prototype, method, {
    value(this: InflightBudget, ...args: unknown[]) {
      const result = original.apply(this, args);
      if (this.bytes() > peak) console.log(`inflight peak ${(peak = this.bytes())}`);
      return result;
    },
  });
}

const server = createFirehoseServer({
  deps,
  store: { description: "discarding test store", ping: async () => undefined },
  limits: serverLimitsFromEnv(process.env),
});
server.listen(0, "127.0.0.1").then((port) => console.log(`listening on http://127.0.0.1:${port}`));
