/**
 * `npm run admin-api-local`: the local stand-in of the App Services Admin API v3
 * (src/local/admin-api-server.ts) with one empty app, so `npm run deploy -- --remote <app>` can be
 * tried end to end on this machine. It prints the variables that point the deploy at it, then every
 * request it answers. Nothing is kept after it stops. docs/deploying.md, "Try it locally".
 */
import { ObjectId } from "bson";
import { randomBytes } from "node:crypto";
import { defineCommand, runCommand, UsageError } from "../cli/command-line";
import { startLocalAdminApi } from "../local/admin-api-server";

const adminApiLocalCommand = defineCommand({
  command: "npm run admin-api-local",
  summary:
    "Starts a local stand-in of the App Services Admin API v3 on 127.0.0.1 with one empty app and a throwaway API key, " +
    "prints the variables that point npm run deploy at it, and logs every request. Ctrl-C stops it; nothing is kept.",
  options: {
    port: { type: "string", value: "<n>", description: "the loopback port", defaultText: "any free port (printed)" },
    app: { type: "string", value: "<name>", description: "the name of its app", default: "atlas-kinesis-bridge" },
  },
  notes: ["example: npm run admin-api-local -- --port 8091"],
});

runCommand(adminApiLocalCommand, async ({ values }) => {
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be a port number (0 to 65535), got "${values.port}"`);
  const key = { publicKey: randomBytes(4).toString("hex"), privateKey: randomBytes(18).toString("hex") };
  const groupId = new ObjectId().toHexString();
  const api = await startLocalAdminApi({
    ...key,
    groupId,
    appName: values.app,
    port,
    onCall: (call) => console.log(`${call.method} ${call.path} → ${call.status}`),
  });
  const app = api.app();
  console.log(
    [
      `Local Admin API on ${api.url}: project ${groupId}, app ${app.instance.name} (client app id ${app.instance.client_app_id}), empty.`,
      "Its API key is a throwaway one, valid for this process only. In another shell:",
      `  export ADMIN_API_URL=${api.url}`,
      `  export MONGODB_ATLAS_PUBLIC_API_KEY=${key.publicKey}`,
      `  export MONGODB_ATLAS_PRIVATE_API_KEY=${key.privateKey}`,
      `  export MONGODB_ATLAS_PROJECT_ID=${groupId}`,
      `  npm run deploy -- --remote ${app.instance.name} --secrets-file local-secrets.example.json --dry-run`,
      "(the placeholder cluster name in data_sources/ stops a deploy: put any cluster name there to try one)",
      "Requests:",
    ].join("\n"),
  );
  const stop = () => void api.stop().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
});
