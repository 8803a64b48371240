import { spawn, type ChildProcess } from "node:child_process";
import { TEST_ACCESS_KEY } from "./firehose";

/**
 * `npm run serve` itself (or `entry`, the same server over another store) as a child process on
 * loopback, port 0, with the test access key unless `env` says otherwise; resolves once it listens.
 * The caller kills it (`children`).
 */
export async function startServeProcess(
  children: ChildProcess[],
  env: Record<string, string | undefined> = {},
  entry = "src/bin/serve.ts",
): Promise<{ port: number; pid: number; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", FIREHOSE_ACCESS_KEY: TEST_ACCESS_KEY, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  const port = await new Promise<number>((resolve, reject) => {
    // Generous: on a loaded 2-core machine, loading the server through tsx took over 20 s.
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 45_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { port, pid: child.pid!, child, output: () => out };
}
