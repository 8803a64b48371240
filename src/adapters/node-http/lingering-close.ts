import type { IncomingMessage, ServerResponse } from "node:http";
import type { FirehoseDeliveryResponse } from "../../core/firehose/response";

/** How long a refused client may go on sending (discarded) after its answer, before the connection is cut. */
const LINGER_MS = 2_000;

/**
 * Answers without reading the body and closes the connection. The close lingers: our side ends at
 * once and the socket stops being read (what the client still sends waits in the kernel, and its
 * sending stalls), and after LINGER_MS, or when the client closes, the socket is destroyed.
 * Destroying it at once would make the kernel reset a connection that still has unread incoming
 * data, and a reset can discard the answer before the client has read it.
 */
export function answerAndClose(req: IncomingMessage, res: ServerResponse, answer: FirehoseDeliveryResponse): void {
  const socket = req.socket;
  socket.pause();
  // Node resumes the socket to drain ("dump") an unread request body; this one is never read.
  socket.resume = () => socket;
  // Node ends a "Connection: close" response with socket.destroySoon(); this socket lingers instead.
  socket.destroySoon = function lingeringClose(): void {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
  };
  send(res, answer, true);
}

export function send(
  res: ServerResponse,
  answer: { status: number; headers: { "Content-Type": string }; body: string },
  closeConnection: boolean,
): void {
  const headers: Record<string, string | number> = {
    "Content-Type": answer.headers["Content-Type"],
    "Content-Length": Buffer.byteLength(answer.body),
  };
  if (closeConnection) headers.Connection = "close";
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
