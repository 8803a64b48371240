import { createNodeTransport } from "../http/node-transport";

let transport: ReturnType<typeof createNodeTransport> | undefined;

/**
 * One transport per function instance: its keep-alive agents then reuse connections across
 * invocations wherever the host keeps the instance (a new connection per event cost more than the
 * put itself against a local emulator). Its own module, so a function that calls only the Admin API
 * loads no Kinesis client.
 */
export function sharedTransport(): ReturnType<typeof createNodeTransport> {
  // 25: the sockets App Services allows a function (it bounds unordered triggers locally too).
  transport = transport || createNodeTransport(25);
  return transport;
}
