import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const template = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "..", "aws", "atlas-kinesis-bridge.template.json"), "utf8"),
);
const resources = template.Resources as Record<string, { Type: string; Properties: any }>;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown };
function statements(resource: { Properties: any }): Statement[] {
  return (resource.Properties.Policies || []).flatMap(
    (policy: { PolicyDocument: { Statement: Statement[] } }) => policy.PolicyDocument.Statement,
  );
}
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe("aws/atlas-kinesis-bridge.template.json", () => {
  it("creates the stream, the delivery stream reading it, the backup bucket, the roles and the secrets", () => {
    const types = Object.fromEntries(Object.entries(resources).map(([name, r]) => [name, r.Type]));
    expect(types).toMatchObject({
      Stream: "AWS::Kinesis::Stream",
      DeliveryStream: "AWS::KinesisFirehose::DeliveryStream",
      BackupBucket: "AWS::S3::Bucket",
      FirehoseRole: "AWS::IAM::Role",
      TriggerUser: "AWS::IAM::User",
      TriggerUserAccessKey: "AWS::IAM::AccessKey",
      WebhookAccessKey: "AWS::SecretsManager::Secret",
      TriggerCredentials: "AWS::SecretsManager::Secret",
    });
  });

  it("delivers the stream to the webhook over HTTPS with the key from Secrets Manager, retries, and backs up failed data", () => {
    const delivery = resources.DeliveryStream.Properties;
    expect(delivery.DeliveryStreamType).toBe("KinesisStreamAsSource");
    expect(delivery.KinesisStreamSourceConfiguration.KinesisStreamARN).toEqual({ "Fn::GetAtt": ["Stream", "Arn"] });
    const http = delivery.HttpEndpointDestinationConfiguration;
    expect(http.EndpointConfiguration.Url).toEqual({ Ref: "WebhookUrl" });
    expect(http.SecretsManagerConfiguration).toMatchObject({ Enabled: true, SecretARN: { Ref: "WebhookAccessKey" } });
    expect(http.S3BackupMode).toBe("FailedDataOnly");
    expect(http.S3Configuration.BucketARN).toEqual({ "Fn::GetAtt": ["BackupBucket", "Arn"] });
    expect(http.RetryOptions.DurationInSeconds).toEqual({ Ref: "RetryDurationSeconds" });
    expect(http.RequestConfiguration.ContentEncoding).toEqual({ Ref: "ContentEncoding" });
    expect(http.BufferingHints).toEqual({
      SizeInMBs: { Ref: "BufferSizeMB" },
      IntervalInSeconds: { Ref: "BufferIntervalSeconds" },
    });
    expect(template.Parameters.WebhookUrl.AllowedPattern).toMatch(/^\^https:\/\//);
    // Base64 adds a third: the default buffer keeps a request under a Lambda Function URL's 6 MB.
    expect((template.Parameters.BufferSizeMB.Default * 4) / 3).toBeLessThan(6);
    expect(resources.WebhookAccessKey.Properties.GenerateSecretString.GenerateStringKey).toBe("api_key");
  });

  it("the trigger's credentials can do exactly PutRecord and PutRecords on this stream, nothing else", () => {
    const granted = statements(resources.TriggerUser);
    expect(granted).toEqual([
      {
        Effect: "Allow",
        Action: ["kinesis:PutRecord", "kinesis:PutRecords"],
        Resource: { "Fn::GetAtt": ["Stream", "Arn"] },
      },
    ]);
    expect(resources.TriggerUser.Properties.ManagedPolicyArns).toBeUndefined();
    expect(resources.TriggerUser.Properties.Groups).toBeUndefined();
    // its secret key is kept in Secrets Manager, never in an output
    expect(JSON.stringify(template.Outputs)).not.toMatch(/SecretAccessKey/);
  });

  it("no policy grants a wildcard action or resource, or Deny-less access beyond its own resources", () => {
    for (const [name, resource] of Object.entries(resources)) {
      for (const statement of statements(resource)) {
        expect(statement.Effect, name).toBe("Allow");
        for (const action of actions(statement)) expect(action, name).not.toMatch(/\*/);
        expect(JSON.stringify(statement.Resource), name).not.toMatch(/"\*"|:\*"/);
      }
    }
    const firehoseActions = statements(resources.FirehoseRole).flatMap(actions).sort();
    expect(firehoseActions).toEqual([
      "kinesis:DescribeStream",
      "kinesis:DescribeStreamSummary",
      "kinesis:GetRecords",
      "kinesis:GetShardIterator",
      "kinesis:ListShards",
      "logs:PutLogEvents",
      "s3:AbortMultipartUpload",
      "s3:GetBucketLocation",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:ListBucketMultipartUploads",
      "s3:PutObject",
      "secretsmanager:GetSecretValue",
    ]);
    const trust = resources.FirehoseRole.Properties.AssumeRolePolicyDocument.Statement[0];
    expect(trust).toMatchObject({
      Principal: { Service: "firehose.amazonaws.com" },
      Condition: { StringEquals: { "sts:ExternalId": { Ref: "AWS::AccountId" } } },
    });
  });

  it("the backup bucket is private and encrypted, and every Ref and GetAtt names a parameter or resource", () => {
    const bucket = resources.BackupBucket.Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe("AES256");
    const known = new Set([
      ...Object.keys(template.Parameters),
      ...Object.keys(resources),
      "AWS::AccountId",
      "AWS::Region",
      "AWS::Partition",
      "AWS::NoValue",
    ]);
    const text = JSON.stringify(template);
    for (const [, ref] of text.matchAll(/"Ref":"([^"]+)"/g)) expect(known.has(ref), ref).toBe(true);
    for (const [, target] of text.matchAll(/"Fn::GetAtt":\["([^"]+)"/g)) expect(known.has(target), target).toBe(true);
    for (const [, sub] of text.matchAll(/\$\{([A-Za-z0-9:]+)(?:\.[A-Za-z]+)?\}/g))
      expect(known.has(sub), sub).toBe(true);
  });
});
