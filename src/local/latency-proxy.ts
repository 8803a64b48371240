import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy on loopback that holds every byte from the client for `latencyMs` before passing it
 * on (answers come back at once), so each call through it takes `latencyMs` longer: a Kinesis
 * endpoint a network away, for measuring what a trigger sustains against real round trips.
 */
export async function startLatencyProxy(
  target: string,
  latencyMs: number,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const url = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(url.port), url.hostname);
    sockets.add(client);
    sockets.add(upstream);
    // Chunks leave in arrival order, each `latencyMs` after it came (timers of increasing due time fire in order).
    client.on("data", (chunk) => {
      setTimeout(() => {
        if (!upstream.destroyed) upstream.write(chunk);
      }, latencyMs);
    });
    upstream.on("data", (chunk) => {
      if (!client.destroyed) client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", () => setTimeout(close, latencyMs));
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", () => sockets.delete(client));
    upstream.on("close", () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
