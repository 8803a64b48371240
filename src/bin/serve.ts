/** `npm run serve`: the webhook server for trying it locally (the embedded store unless MONGODB_URI is set). */
import { runWebhookServer } from "../cli/serve-webhook";

runWebhookServer("serve");
