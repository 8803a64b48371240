// App Services function run by the generated DATABASE triggers (triggers/capture_*.json).
import { captureDepsFromContext } from "../adapters/app-services/capture";
import type { ChangeEvent } from "../core/capture/publish/kinesis-record";
import { publishChangeToKinesis as publish } from "../core/capture/publish/publish-change";

export default async function publishChangeToKinesis(changeEvent: ChangeEvent) {
  return publish(changeEvent, captureDepsFromContext(context));
}
