import { EJSON } from "bson";
import { describe, expect, it } from "vitest";
import { decodeUtf8Run } from "../../../src/adapters/node/decode-utf8-run";
import { receiveFirehoseDelivery } from "../../../src/core/firehose/receive-delivery";
import { mirrorContents } from "../../helpers/change-events";
import { makeFirehoseDeps } from "../../helpers/firehose";
import { readInt64Expected, readInt64RelaxedLines } from "../../helpers/int64-fixtures";
import { firehoseRequest } from "../../helpers/mirror-model";
import { deadLettersIn } from "../../helpers/dead-letters";

const canonical = (document: unknown) =>
  JSON.parse(EJSON.stringify(EJSON.parse(JSON.stringify(document), { relaxed: false }), { relaxed: false }));

describe.each(["go", "java"] as const)("Int64s beyond 2^53 written by the %s driver's relaxed writer", (layout) => {
  it.each([
    { host: "Node hosts (UTF-8 decoded in runs)", decodeRun: true },
    { host: "App Services (UTF-8 decoded record by record)", decodeRun: false },
  ])("reach the mirror with every digit: $host", async ({ decodeRun }) => {
    const deps = makeFirehoseDeps();
    const lines = readInt64RelaxedLines(layout);
    const response = await receiveFirehoseDelivery(
      firehoseRequest(`int64-${layout}`, lines),
      decodeRun ? { ...deps, decodeUtf8Run } : deps,
    );
    expect(response.status).toBe(200);
    expect(await deadLettersIn(deps.store).count()).toBe(0);
    expect(await mirrorContents(deps)).toEqual(readInt64Expected().expectedMirror.map(canonical));
  });
});
