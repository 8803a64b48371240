import { ensureMirrorTtlIndexes } from "./mirror-indexes";
import { openMongoClient, type NodeDataSource } from "./env-deps";

/** How long a command waits for a cluster before it names the driver's reason (the driver waits 30 s). */
export const COMMAND_SERVER_SELECTION_MS = 5000;

export interface DataSourceChoice {
  /** A data folder of the embedded store (`--data <dir>`) instead of MONGODB_URI. */
  dataDir?: string;
  /** Who holds the data folder's lock, for the message another writer gets. */
  command?: string;
  /** Fail after this long when the cluster is not reachable (commands: COMMAND_SERVER_SELECTION_MS). */
  serverSelectionTimeoutMS?: number;
}

/**
 * `npm run serve`'s data source (and the local tools'): the official driver when MONGODB_URI is set,
 * else the embedded store, in memory or saved in a data folder (stated, not silent). The store is
 * loaded only on that path, so a server with MONGODB_URI never evaluates it (in the bundle it is a
 * lazily evaluated module).
 */
export async function openDataSource(
  env: NodeJS.ProcessEnv,
  names: { database?: string; deletesCollection?: string; reconcileCollection?: string } = {},
  choice: DataSourceChoice = {},
): Promise<NodeDataSource & { embedded: boolean }> {
  if (env.MONGODB_URI && choice.dataDir)
    throw new Error("MONGODB_URI is set and --data is given: use one (unset MONGODB_URI for the data folder)");
  if (env.MONGODB_URI) return { ...(await openMongoClient(env, mongoOptions(choice))), embedded: false };
  let store;
  let closeFolder: () => Promise<void> = async () => undefined;
  if (choice.dataDir) {
    const { openDataFolderToWrite } = await import("../../embedded/data-folder");
    const folder = openDataFolderToWrite(choice.dataDir, { command: choice.command ?? "a command" });
    store = folder.store;
    closeFolder = () => folder.close();
  } else {
    const { EmbeddedStore } = await import("../../embedded/store");
    store = new EmbeddedStore();
  }
  // On MongoDB the set-up script creates these indexes; the embedded store needs them here, with its monitor.
  await ensureMirrorTtlIndexes(store, names);
  const stopMonitor = store.startTtlMonitor();
  return {
    dataSource: store,
    description: store.description,
    embedded: true,
    // The store lives in this process: whenever the server can answer, so can its store.
    ping: async () => undefined,
    close: async () => {
      stopMonitor();
      await closeFolder();
    },
  };
}

/** A data source to read only: MONGODB_URI, or a data folder's last save (no lock, nothing written). */
export async function openDataSourceToRead(
  env: NodeJS.ProcessEnv,
  choice: DataSourceChoice = {},
): Promise<NodeDataSource> {
  if (env.MONGODB_URI && choice.dataDir)
    throw new Error("MONGODB_URI is set and --data is given: use one (unset MONGODB_URI for the data folder)");
  if (choice.dataDir) {
    const { openDataFolderToRead } = await import("../../embedded/data-folder");
    const folder = openDataFolderToRead(choice.dataDir);
    return {
      dataSource: folder.store,
      description: folder.store.description,
      ping: async () => undefined,
      close: () => folder.close(),
    };
  }
  return openMongoClient(env, mongoOptions(choice));
}

function mongoOptions(choice: DataSourceChoice): { serverSelectionTimeoutMS?: number } {
  return choice.serverSelectionTimeoutMS === undefined
    ? {}
    : { serverSelectionTimeoutMS: choice.serverSelectionTimeoutMS };
}
