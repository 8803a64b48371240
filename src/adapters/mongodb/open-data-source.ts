import { ensureMirrorTtlIndexes } from "./mirror-indexes";
import { openMongoClient, type NodeDataSource } from "./env-deps";

/**
 * `npm run serve`'s data source: the official driver when MONGODB_URI is set, otherwise the embedded
 * store (stated, not silent). The store is loaded only on that path, so a server with MONGODB_URI
 * never evaluates it (in the bundle it is a lazily evaluated module).
 */
export async function openDataSource(
  env: NodeJS.ProcessEnv,
  names: { database?: string; deletesCollection?: string; reconcileCollection?: string } = {},
): Promise<NodeDataSource & { embedded: boolean }> {
  if (env.MONGODB_URI) return { ...(await openMongoClient(env)), embedded: false };
  const { EmbeddedStore } = await import("../../embedded/store");
  const store = new EmbeddedStore();
  // On MongoDB the set-up script creates these indexes; the embedded store needs them here, with its monitor.
  await ensureMirrorTtlIndexes(store, names);
  const stopMonitor = store.startTtlMonitor();
  return { dataSource: store, description: store.description, embedded: true, close: async () => stopMonitor() };
}
