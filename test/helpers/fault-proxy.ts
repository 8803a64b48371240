import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault = "pass" | "throttle" | "http500" | "reset";

/**
 * A loopback HTTP proxy in front of the Kinesis emulator that injects the failures the emulator never
 * produces (neither emulator throttles): each request takes the next fault from `plan` ("pass" once
 * the plan runs out). Throttling is answered exactly as Kinesis does: 400 with the JSON error type.
 */
export async function startFaultProxy(target: string, plan: Fault[]) {
  const seen: { fault: Fault; operation: string }[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const fault = plan.length > 0 ? (plan.shift() as Fault) : "pass";
    seen.push({ fault, operation: String(req.headers["x-amz-target"] || "") });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (fault === "throttle") {
        res.writeHead(400, { "Content-Type": "application/x-amz-json-1.1" });
        res.end(
          JSON.stringify({
            __type: "ProvisionedThroughputExceededException",
            message: "Rate exceeded for shard shardId-000000000000",
          }),
        );
        return;
      }
      if (fault === "http500") {
        res.writeHead(500, { "Content-Type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify({ __type: "InternalFailure", message: "injected" }));
        return;
      }
      if (fault === "reset") {
        req.socket.destroy();
        return;
      }
      const forward = request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
          agent: false,
        },
        (up) => {
          res.writeHead(up.statusCode || 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on("error", () => res.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    plan,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
