// App Services function run every minute by the SCHEDULED trigger triggers/drainOutbox.json.
import { captureDepsFromContext } from "../adapters/app-services/capture";
import { RUN_BUDGET_MS } from "../adapters/app-services/globals";
import { runOutboxDrain } from "../core/capture/outbox/drain-outbox";

/** A round of puts may overrun the deadline by its retries (about 50 s): the drain stops earlier. */
const ROUND_MARGIN_MS = 30_000;

export default async function drainOutbox() {
  const deps = captureDepsFromContext(context);
  return runOutboxDrain(deps, deps.clock.now() + RUN_BUDGET_MS - ROUND_MARGIN_MS);
}
