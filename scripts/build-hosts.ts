/**
 * `npm run build:hosts`: bundles the webhook's two deployable hosts with esbuild (driver included):
 *   build/webhook-server.cjs   the Node HTTP server (`node build/webhook-server.cjs`, or the container image):
 *                              it needs MONGODB_URI, or the embedded store asked for (--embedded, --data <dir>)
 *   build/lambda/index.js      the Lambda handler (`index.handler`); zip the folder to deploy
 */
import { build } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineCommand, readCommandLine } from "../src/cli/command-line";
import { createProgress } from "../src/cli/progress";

const root = resolve(import.meta.dirname, "..");
// The driver's optional add-ons (compression, Kerberos, client-side encryption, cloud auth) are not used.
export const DRIVER_OPTIONAL_ADDONS = [
  "kerberos",
  "@mongodb-js/zstd",
  "snappy",
  "mongodb-client-encryption",
  "gcp-metadata",
  "socks",
  "@aws-sdk/credential-providers",
  "@napi-rs/snappy*",
];

/**
 * `outDir`: where the bundles go (default build/; tests that run at once each give their own).
 * `onStep` names each bundle as it starts (the command shows it on stderr).
 */
export async function buildHosts(
  outDir = join(root, "build"),
  onStep: (what: string) => void = () => {},
): Promise<{ server: string; lambda: string }> {
  const server = join(outDir, "webhook-server.cjs");
  const lambda = join(outDir, "lambda", "index.js");
  mkdirSync(join(outDir, "lambda"), { recursive: true });
  const common = {
    bundle: true,
    platform: "node" as const,
    target: "node20",
    format: "cjs" as const,
    external: DRIVER_OPTIONAL_ADDONS,
    logLevel: "warning" as const,
    legalComments: "none" as const,
  };
  onStep("bundling the Node server (src/bin/webhook-server.ts)");
  await build({ ...common, entryPoints: [join(root, "src", "bin", "webhook-server.ts")], outfile: server });
  onStep("bundling the Lambda handler (src/adapters/aws-lambda/handler.ts)");
  await build({ ...common, entryPoints: [join(root, "src", "adapters", "aws-lambda", "handler.ts")], outfile: lambda });
  // The zip's index.js is CommonJS (this repository's package.json says "module").
  writeFileSync(join(outDir, "lambda", "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  return { server, lambda };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  readCommandLine(
    defineCommand({
      command: "npm run build:hosts",
      summary:
        "Bundles the webhook's deployable hosts with esbuild, driver included: build/webhook-server.cjs (the Node " +
        "server, also the container image's) and build/lambda/index.js (the Lambda handler, index.handler; zip the folder).",
      options: {},
    }),
  );
  const progress = createProgress("npm run build:hosts");
  buildHosts(undefined, (what) => progress.step(what)).then(
    ({ server, lambda }) => {
      progress.done();
      console.log(`${server}\n${lambda}  (zip build/lambda for AWS Lambda, handler index.handler)`);
    },
    (error) => {
      progress.clear();
      console.error(`build:hosts: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
