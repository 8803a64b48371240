import { DELETE_POSITION_RETENTION_S, firehoseDefaults } from "../../core/firehose/config";
import type { DataSourcePort } from "../../core/ports";

export const DELETE_POSITIONS_TTL_INDEX = "akb_delete_positions_ttl";

interface IndexingCollection {
  createIndex(spec: Record<string, 1>, options: { expireAfterSeconds: number; name: string }): Promise<unknown>;
}

/**
 * The TTL index that expires delete positions (see apply-changes.ts). On Atlas the mongosh set-up
 * script creates it (the webhook's user has no createIndex right); the local runtime and
 * `npm run serve` on the embedded store create it here.
 */
export async function ensureDeletePositionsIndex(
  dataSource: DataSourcePort,
  names: { database?: unknown; deletesCollection?: unknown } = {},
): Promise<void> {
  const database =
    typeof names.database === "string" && names.database !== "" ? names.database : firehoseDefaults.database;
  const collection =
    typeof names.deletesCollection === "string" && names.deletesCollection !== ""
      ? names.deletesCollection
      : firehoseDefaults.deletesCollection;
  const target = dataSource.db(database).collection(collection) as unknown as Partial<IndexingCollection>;
  if (typeof target.createIndex !== "function") throw new Error(`${database}.${collection} cannot create indexes`);
  await target.createIndex(
    { deletedAt: 1 },
    { expireAfterSeconds: DELETE_POSITION_RETENTION_S, name: DELETE_POSITIONS_TTL_INDEX },
  );
}
