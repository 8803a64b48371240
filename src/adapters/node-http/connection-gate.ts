import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { FirehoseDeliveryResponse } from "../../core/firehose/protocol/response";

export interface ConnectionLimits {
  /** Connections being served at once (FIREHOSE_MAX_CONNECTIONS); more are closed as they arrive. */
  readonly maxConnections: number;
  /** Refused connections lingering at once, apart from maxConnections; past it the oldest is closed. */
  readonly maxLingering: number;
  /** How long a refused connection lingers at most, for its client to read the answer. */
  readonly lingerMs: number;
}

/** The server's connections: those being served, and the refused ones lingering until they close. */
export interface ConnectionGate {
  /** For the server's "connection" event: counts the connection, or closes it when maxConnections are served. */
  admit(socket: Socket): void;
  /** True once a refusal was answered on this connection: nothing that follows it there is run. */
  refused(socket: Socket): boolean;
  /**
   * Answers a refused request and closes its connection without reading further: from now on the
   * connection is not counted against maxConnections but against maxLingering.
   */
  answerAndClose(req: IncomingMessage, res: ServerResponse, answer: FirehoseDeliveryResponse): void;
  counts(): { served: number; lingering: number };
}

/**
 * Keeps a refused request from costing anything lasting. Its connection leaves the connection limit
 * at once (a client sending refusals back to back would otherwise fill it with connections that only
 * wait to close, and legitimate deliveries would be turned away), and nothing more is read or run on
 * it (a request pipelined behind the refused one included). The close lingers: our side ends and the
 * socket stops being read (what the client still sends waits in the kernel, and its sending stalls);
 * after lingerMs, or when the client closes, the socket is destroyed. Destroying it at once would make
 * the kernel reset a connection that still has unread incoming data, and a reset can discard the
 * answer before the client has read it. Lingering sockets have a budget of their own (maxLingering),
 * which bounds the descriptors and the kernel buffers they hold: past it the oldest is destroyed,
 * its answer having had the longest time to be read.
 */
export function createConnectionGate(limits: ConnectionLimits): ConnectionGate {
  let served = 0;
  const refusedSockets = new WeakSet<Socket>();
  // Insertion order is refusal order: the first is the oldest.
  const lingering = new Set<Socket>();

  function startLingering(socket: Socket): void {
    if (refusedSockets.has(socket)) return;
    refusedSockets.add(socket);
    served--;
    lingering.add(socket);
    while (lingering.size > limits.maxLingering) {
      const oldest = lingering.values().next().value as Socket;
      lingering.delete(oldest);
      oldest.destroy();
    }
  }

  return {
    admit(socket) {
      if (served >= limits.maxConnections) {
        socket.destroy();
        return;
      }
      served++;
      socket.once("close", () => {
        if (refusedSockets.has(socket)) lingering.delete(socket);
        else served--;
      });
    },
    refused: (socket) => refusedSockets.has(socket),
    answerAndClose(req, res, answer) {
      const socket = req.socket;
      startLingering(socket);
      socket.pause();
      // Node resumes the socket to drain ("dump") an unread request body; this one is never read.
      socket.resume = () => socket;
      // Node ends a "Connection: close" response with socket.destroySoon(); this socket lingers instead.
      socket.destroySoon = function lingeringClose(): void {
        socket.end();
        const timer = setTimeout(() => socket.destroy(), limits.lingerMs);
        timer.unref();
        socket.once("close", () => clearTimeout(timer));
      };
      send(res, answer, true);
    },
    counts: () => ({ served, lingering: lingering.size }),
  };
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
