import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startLatencyProxy } from "../../src/local/latency-proxy";
import { httpRequest } from "../helpers/http";

/** The proxy that puts Kinesis "a network away" for --kinesis-latency-ms and the capture-rate benchmark. */
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

describe("startLatencyProxy", () => {
  it.each([0, 40])("adds %i ms to every call and passes requests and answers unchanged", async (latencyMs) => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => res.end(`echo:${Buffer.concat(chunks).toString()}`));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const proxy = await startLatencyProxy(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, latencyMs);
    stops.push(proxy.stop);
    for (let call = 0; call < 3; call++) {
      const started = Date.now();
      const answer = await httpRequest(`${proxy.endpoint}/`, { body: `call ${call} ${"x".repeat(100_000)}` });
      const took = Date.now() - started;
      expect(answer.body).toBe(`echo:call ${call} ${"x".repeat(100_000)}`);
      expect(took).toBeGreaterThanOrEqual(latencyMs);
    }
  });
});
