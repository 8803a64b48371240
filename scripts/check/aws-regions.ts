/**
 * The AWS regions the AWS SDK for JavaScript knows: its partitions data (`partitions.json`, in
 * @aws-sdk/core), from which it resolves every service's endpoints. Only `npm run check` asks: the
 * functions check a region's shape alone (src/core/settings.ts, awsRegion), as they carry no list.
 */
import { partition } from "@aws-sdk/core/client";

/**
 * Whether the SDK's partitions data lists `region`. partition() merges a listed region's own entry
 * (its description) into the partition's outputs; a name it only matches by a partition's pattern
 * gets the outputs alone (test/build/check-export.test.ts holds both cases, so a change here shows).
 */
export function isKnownAwsRegion(region: string): boolean {
  return "description" in partition(region);
}
