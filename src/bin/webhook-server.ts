/**
 * The production webhook server, bundled as build/webhook-server.cjs (npm run build:hosts) and run by
 * the container: it needs MONGODB_URI, or the embedded store asked for by name (--embedded, --data).
 */
import { runWebhookServer } from "../cli/serve-webhook";

runWebhookServer("production");
