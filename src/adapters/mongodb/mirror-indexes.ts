import { DELETE_POSITION_RETENTION_S, firehoseDefaults, RECONCILE_RETENTION_S } from "../../core/firehose/config";
import type { DataSourcePort } from "../../core/ports";

export const DELETE_POSITIONS_TTL_INDEX = "akb_delete_positions_ttl";
export const RECONCILES_TTL_INDEX = "akb_reconciles_ttl";

interface IndexingCollection {
  createIndex(spec: Record<string, 1>, options: { expireAfterSeconds: number; name: string }): Promise<unknown>;
}

/**
 * The TTL indexes that expire delete positions (see apply-changes.ts) and reconciles' rows (see
 * reconcile.ts). On Atlas the mongosh set-up script creates them (the webhook's user has no
 * createIndex right); the local runtime and `npm run serve` on the embedded store create them here.
 */
export async function ensureMirrorTtlIndexes(
  dataSource: DataSourcePort,
  names: { database?: unknown; deletesCollection?: unknown; reconcileCollection?: unknown } = {},
): Promise<void> {
  const named = (value: unknown, fallback: string) => (typeof value === "string" && value !== "" ? value : fallback);
  const database = named(names.database, firehoseDefaults.database);
  const ttl = async (name: string, field: string, seconds: number, index: string) => {
    const target = dataSource.db(database).collection(name) as unknown as Partial<IndexingCollection>;
    if (typeof target.createIndex !== "function") throw new Error(`${database}.${name} cannot create indexes`);
    await target.createIndex({ [field]: 1 }, { expireAfterSeconds: seconds, name: index });
  };
  await ttl(
    named(names.deletesCollection, firehoseDefaults.deletesCollection),
    "deletedAt",
    DELETE_POSITION_RETENTION_S,
    DELETE_POSITIONS_TTL_INDEX,
  );
  await ttl(
    named(names.reconcileCollection, firehoseDefaults.reconcileCollection),
    "at",
    RECONCILE_RETENTION_S,
    RECONCILES_TTL_INDEX,
  );
}
