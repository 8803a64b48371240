import type { IncomingMessage } from "node:http";
import { type Failure } from "../../core/errors";
import { tooLarge } from "../../core/firehose/protocol/request";
import { firehoseErrors } from "../../core/firehose/errors";

/**
 * Reads the body, but never buffers more than `maxBytes`, and stops when `admit` refuses a chunk
 * (the in-flight budget). Past either, it stops reading and resolves with the refusal to answer;
 * "aborted" when the client went away.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  admit: (bytes: number) => boolean,
): Promise<Buffer | Failure | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const stop = (outcome: Failure | "aborted") => {
      done = true;
      chunks.length = 0;
      req.pause(); // read no more; the answer closes the connection
      resolve(outcome);
    };
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (total > maxBytes) return stop(tooLarge(total, maxBytes, "received (at least)"));
      if (!admit(chunk.length)) return stop(firehoseErrors.failure("inflight_budget"));
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, total));
    });
    req.on("aborted", () => {
      if (!done) stop("aborted");
    });
    req.on("error", () => {
      if (!done) stop("aborted");
    });
  });
}
