/**
 * Child process of bench/refusals.ts: `clients` connections, each sending wrong-key deliveries back
 * to back as fast as the server answers them, on a new connection each, never closing one itself (a
 * hostile client leaves that to the server; a connection is dropped here only 2.5 s after its answer,
 * to bound this process's descriptors). Runs until its stdin closes, then prints one JSON line: the
 * refusals answered, and those whose connection closed or reset before the answer arrived.
 */
import { connect, type Socket } from "node:net";

const [port, clients] = process.argv.slice(2).map(Number);
const REFUSAL =
  "POST /firehose HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
  "X-Amz-Firehose-Request-Id: refusal\r\nX-Amz-Firehose-Access-Key: not-the-key\r\nContent-Length: 2\r\n\r\n{}";
const HOLD_MS = 2_500;
const MAX_HELD = 4_000;

const counts = { answered: 0, cutBeforeAnswer: 0 };
const held: { socket: Socket; at: number }[] = [];
let stopping = false;
let started = 0;

function refuseOnce(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    let received = "";
    let done = false;
    const finish = (answered: boolean) => {
      if (done) return;
      done = true;
      if (answered && counts.answered === 0) console.log("attacking");
      if (answered) counts.answered++;
      else counts.cutBeforeAnswer++;
      held.push({ socket, at: performance.now() });
      resolve();
    };
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if (/^HTTP\/1\.1 401 [\s\S]*\r\n\r\n[\s\S]*\}$/.test(received)) finish(true);
    });
    // Closed before the answer: the server turned the connection away (its FIN alone ends it here,
    // half-open as this socket is), or reset it.
    socket.on("end", () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("close", () => finish(false));
    socket.write(REFUSAL);
  });
}

async function client(): Promise<void> {
  if (started === 0) started = performance.now();
  while (!stopping) await refuseOnce();
}

const sweeper = setInterval(() => {
  const now = performance.now();
  while (held.length > 0 && (held.length > MAX_HELD || now - held[0].at > HOLD_MS)) held.shift()!.socket.destroy();
}, 100);

const running = Promise.all(Array.from({ length: clients }, client));
process.stdin.resume();
process.stdin.on("end", () => {
  stopping = true;
  const seconds = (performance.now() - started) / 1000;
  void running.then(() => {
    clearInterval(sweeper);
    for (const { socket } of held) socket.destroy();
    console.log(JSON.stringify({ ...counts, seconds }));
  });
});
