/**
 * Refusals beside legitimate deliveries: the production server bundle (npm run build:hosts) on
 * loopback with default limits and the embedded store, one or 16 clients sending wrong-key requests
 * as fast as it answers them (bench/refusal-client.ts, a process of its own), and meanwhile paced
 * deliveries and health checks, each on a new connection as a load balancer's or a fresh Firehose
 * connection would come. What counts is what each got: 200, 503, another status, or a reset.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync } from "node:fs";
import { request } from "node:http";
import { resolve } from "node:path";
import { buildHosts } from "../scripts/build-hosts";
import { BENCH_ACCESS_KEY } from "./harness";

export interface Outcomes {
  ok: number;
  unavailable: number;
  otherStatus: number;
  reset: number;
}

export interface RefusalRun {
  clients: number;
  refusalsPerSecond: number;
  /** Refusals whose connection was closed or reset before the client had the answer. */
  cutBeforeAnswer: number;
  deliveries: Outcomes;
  health: Outcomes;
  /** The most descriptors the server process held at once (sampled every 50 ms; Linux /proc), its sockets included. */
  peakDescriptors: number;
}

const CLIENT_SCRIPT = resolve(import.meta.dirname, "refusal-client.ts");

/** The server bundle (`node <bundle> <args>`), resolving with its port once it listens. */
async function startBundle(bundle: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [bundle, ...args], {
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", FIREHOSE_ACCESS_KEY: BENCH_ACCESS_KEY },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Its start-up lines are kept until it listens; after that its log (a line per refusal) is only drained.
  let out = "";
  const port = await new Promise<number>((resolvePort, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolvePort(Number(match[1]));
    });
    child.stderr!.on("data", (chunk: Buffer) => out.length < 10_000 && (out += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`the server bundle exited with ${code}: ${out}`)));
  });
  out = "";
  child.stdout!.removeAllListeners("data");
  child.stdout!.resume();
  return { child, port };
}

/** One request on a new connection: its status, or 0 when the connection was reset or closed first. */
function once(port: number, method: "POST" | "GET", path: string, body?: Buffer, requestId = ""): Promise<number> {
  return new Promise((done) => {
    const headers: Record<string, string | number> = {};
    if (body) {
      headers["Content-Type"] = "application/json";
      headers["Content-Length"] = body.length;
      headers["X-Amz-Firehose-Request-Id"] = requestId;
      headers["X-Amz-Firehose-Access-Key"] = BENCH_ACCESS_KEY;
    }
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode ?? 0));
      res.on("error", () => done(0));
    });
    req.setTimeout(30_000, () => req.destroy());
    req.on("error", () => done(0));
    req.end(body);
  });
}

function delivery(requestId: string): Buffer {
  const records = Array.from({ length: 5 }, (_, i) => ({
    data: Buffer.from(
      JSON.stringify({ _id: `${requestId}-${i}`, reading: i, at: { $date: "2026-12-07T00:00:00Z" } }),
    ).toString("base64"),
  }));
  return Buffer.from(JSON.stringify({ requestId, timestamp: Date.now(), records }));
}

function tally(statuses: number[]): Outcomes {
  return {
    ok: statuses.filter((s) => s === 200).length,
    unavailable: statuses.filter((s) => s === 503).length,
    otherStatus: statuses.filter((s) => s !== 0 && s !== 200 && s !== 503).length,
    reset: statuses.filter((s) => s === 0).length,
  };
}

/**
 * One run: a fresh server, the attack started (its first refusal answered) and given `warmupMs`
 * (half the time a refused connection lingered before, so lingering connections have piled up), then `deliveries` deliveries
 * and as many health checks, one of each every `intervalMs`, then the attack stopped.
 */
export async function benchRefusalRun(
  bundle: string,
  bundleArgs: string[],
  clients: number,
  options: { deliveries?: number; intervalMs?: number; warmupMs?: number } = {},
): Promise<RefusalRun> {
  const count = options.deliveries ?? 20;
  const intervalMs = options.intervalMs ?? 100;
  const { child: server, port } = await startBundle(bundle, bundleArgs);
  const attacker = spawn(process.execPath, ["--import", "tsx", CLIENT_SCRIPT, String(port), String(clients)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  let report = "";
  const attacking = new Promise<void>((ready, reject) => {
    attacker.stdout!.on("data", (chunk: Buffer) => {
      report += chunk.toString();
      if (report.startsWith("attacking")) ready();
    });
    attacker.once("exit", (code) => reject(new Error(`the refusing client exited with ${code} before it began`)));
  });
  const attackerDone = new Promise<void>((done) => attacker.once("exit", () => done()));
  let peakDescriptors = 0;
  const sampler = setInterval(() => {
    try {
      peakDescriptors = Math.max(peakDescriptors, readdirSync(`/proc/${server.pid}/fd`).length);
    } catch {
      // not Linux, or the server is gone: the count stays as sampled
    }
  }, 50);
  try {
    await attacking;
    await new Promise((wait) => setTimeout(wait, options.warmupMs ?? 1000));
    const at = (k: number, offset: number) => new Promise((wait) => setTimeout(wait, k * intervalMs + offset));
    const [deliveries, health] = await Promise.all([
      Promise.all(
        Array.from({ length: count }, (_, k) =>
          at(k, 0).then(() => once(port, "POST", "/firehose", delivery(`paced-${k}`), `paced-${k}`)),
        ),
      ),
      Promise.all(
        Array.from({ length: count }, (_, k) => at(k, intervalMs / 2).then(() => once(port, "GET", "/healthz"))),
      ),
    ]);
    attacker.stdin!.end();
    await attackerDone;
    const attack = JSON.parse(report.trim().split("\n").pop()!) as {
      answered: number;
      cutBeforeAnswer: number;
      seconds: number;
    };
    return {
      clients,
      refusalsPerSecond: attack.answered / attack.seconds,
      cutBeforeAnswer: attack.cutBeforeAnswer,
      deliveries: tally(deliveries),
      health: tally(health),
      peakDescriptors,
    };
  } finally {
    clearInterval(sampler);
    attacker.kill("SIGKILL");
    server.kill("SIGKILL");
  }
}

/** `npm run bench`'s section: each case `rounds` times, a line per run. */
export async function printRefusalBench(
  options: { quick?: boolean } = {},
  print: (line: string) => void = console.log,
): Promise<void> {
  const rounds = options.quick ? 1 : 3;
  const { server } = await buildHosts();
  print(
    "\nRefusals beside paced deliveries: build/webhook-server.cjs --embedded on loopback, default limits; 20 deliveries " +
      "and 20 GET /healthz, one of each every 100 ms, each on a new connection, while wrong-key clients send back to back " +
      `on new connections they never close themselves (${rounds} round${rounds > 1 ? "s" : ""} per case):`,
  );
  const show = (o: Outcomes) => `${o.ok} x 200, ${o.unavailable} x 503, ${o.otherStatus} other, ${o.reset} reset`;
  for (let round = 0; round < rounds; round++) {
    for (const clients of [1, 16]) {
      const run = await benchRefusalRun(server, ["--embedded"], clients);
      print(
        `  ${String(clients).padStart(2)} client${clients > 1 ? "s" : " "}: ${run.refusalsPerSecond.toFixed(0).padStart(5)} refusals/s ` +
          `(${run.cutBeforeAnswer} cut before their answer), server descriptors at most ${run.peakDescriptors}; ` +
          `deliveries ${show(run.deliveries)}; /healthz ${show(run.health)}`,
      );
    }
  }
}
