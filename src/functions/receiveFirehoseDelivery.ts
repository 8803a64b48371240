// App Services function behind the POST /firehose endpoint (http_endpoints/config.json).
import {
  handleFirehoseEndpoint,
  type EndpointRequest,
  type EndpointResponse,
} from "../adapters/app-services/firehose-endpoint";

export default async function receiveFirehoseDelivery(
  request: EndpointRequest,
  response: EndpointResponse,
): Promise<void> {
  await handleFirehoseEndpoint(context, request, response);
}
