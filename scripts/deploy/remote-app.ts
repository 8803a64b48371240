import type {
  AppAdminClient,
  AppRef,
  RemoteFunction,
  RemoteTrigger,
  RemoteValue,
} from "../../src/adapters/admin-api/app-admin-client";

/** The deployed app as the Admin API reads it: what the plan is diffed against. */
export interface DeployedApp {
  functions: RemoteFunction[];
  triggers: RemoteTrigger[];
  values: RemoteValue[];
  /** Names only: a secret's value is never answered. */
  secrets: { _id: string; name: string }[];
  services: { _id: string; name: string; type: string; config: Record<string, unknown> | null }[];
}

/**
 * Reads everything a deploy compares: the lists, then each function (for its source) and value (for
 * its value), and each linked cluster's configuration. Reads only.
 */
export async function readDeployedApp(client: AppAdminClient, app: AppRef): Promise<DeployedApp> {
  const [functionList, triggers, valueList, secrets, serviceList] = await Promise.all([
    client.listFunctions(app),
    client.listTriggers(app),
    client.listValues(app),
    client.listSecrets(app),
    client.listServices(app),
  ]);
  const functions = await inTurn(functionList, (f) => client.getFunction(app, f._id));
  const values = await inTurn(valueList, (v) => client.getValue(app, v._id));
  const services = await inTurn(serviceList, async (s) => ({
    ...s,
    config: s.type === "mongodb-atlas" ? await client.getServiceConfig(app, s._id) : null,
  }));
  return { functions, triggers, values, secrets, services };
}

/** A few reads at a time (the API limits request rates; a project's apps share them). */
async function inTurn<T, R>(items: readonly T[], read: (item: T) => Promise<R>, limit = 4): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await read(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
