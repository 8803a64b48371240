import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIREHOSE_VALUE_NAMES } from "../../src/core/firehose/config";
import { validateTemplate } from "../helpers/cloudformation-spec";

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
    // The stack's own Function URL, or the URL of a host you bring: one pass, no circle.
    expect(http.EndpointConfiguration.Url).toEqual({
      "Fn::If": [
        "CreateWebhookFunction",
        { "Fn::GetAtt": ["WebhookFunctionUrl", "FunctionUrl"] },
        { Ref: "WebhookUrl" },
      ],
    });
    expect(http.SecretsManagerConfiguration).toMatchObject({ Enabled: true, SecretARN: { Ref: "WebhookAccessKey" } });
    expect(http.S3BackupMode).toBe("FailedDataOnly");
    expect(http.S3Configuration.BucketARN).toEqual({ "Fn::GetAtt": ["BackupBucket", "Arn"] });
    expect(http.RetryOptions.DurationInSeconds).toEqual({ Ref: "RetryDurationSeconds" });
    expect(http.RequestConfiguration.ContentEncoding).toEqual({ Ref: "ContentEncoding" });
    expect(http.BufferingHints).toEqual({
      SizeInMBs: { Ref: "BufferSizeMB" },
      IntervalInSeconds: { Ref: "BufferIntervalSeconds" },
    });
    const urlPattern = new RegExp(template.Parameters.WebhookUrl.AllowedPattern);
    expect(["", "https://webhook.example.com/firehose"].map((url) => urlPattern.test(url))).toEqual([true, true]);
    expect(urlPattern.test("http://webhook.example.com/")).toBe(false);
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
        // The one wildcard: the log streams Lambda names itself, inside the webhook's own log group.
        const resource = JSON.stringify(statement.Resource).replace(":log-group:${WebhookLogGroup}:log-stream:*", "");
        expect(resource, name).not.toMatch(/"\*"|:\*"/);
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
    // (the resource specification check below covers these too, and property names and types)
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

  it("is valid against the CloudFormation resource specification (types, properties, required ones, values, attributes)", () => {
    expect(validateTemplate(template)).toEqual([]);
  });

  it("holds the webhook host: a Lambda with its role, log group, Function URL and the two permissions a public URL needs", () => {
    const webhookParts = [
      "WebhookLogGroup",
      "WebhookRole",
      "WebhookFunction",
      "WebhookFunctionUrl",
      "WebhookUrlPermission",
      "WebhookInvokePermission",
    ];
    for (const name of webhookParts)
      expect(resources[name], name).toMatchObject({ Condition: "CreateWebhookFunction" });
    expect(template.Conditions.CreateWebhookFunction).toEqual({ "Fn::Equals": [{ Ref: "WebhookUrl" }, ""] });
    const fn = resources.WebhookFunction.Properties;
    expect(fn).toMatchObject({
      Handler: "index.handler",
      Code: { S3Bucket: { Ref: "LambdaCodeBucket" }, S3Key: { Ref: "LambdaCodeKey" } },
      Role: { "Fn::GetAtt": ["WebhookRole", "Arn"] },
      LoggingConfig: { LogGroup: { Ref: "WebhookLogGroup" } },
    });
    // Firehose waits 3 minutes for an answer; a Function URL takes 6 MB, so bodies are capped below it.
    expect(fn.Timeout).toBe(180);
    expect(fn.Environment.Variables.FIREHOSE_MAX_BODY_BYTES).toBe("6000000");
    expect(resources.WebhookFunctionUrl.Properties).toEqual({
      TargetFunctionArn: { "Fn::GetAtt": ["WebhookFunction", "Arn"] },
      AuthType: "NONE",
      InvokeMode: "BUFFERED",
    });
    // Firehose's HTTP endpoint cannot sign requests: the URL is public and the access key (checked in
    // constant time) is the authentication. Since October 2025 a public Function URL needs both grants
    // (docs.aws.amazon.com/lambda/latest/dg/urls-auth.html); the second is limited to calls through the URL.
    expect(resources.WebhookUrlPermission.Properties).toEqual({
      FunctionName: { Ref: "WebhookFunction" },
      Action: "lambda:InvokeFunctionUrl",
      Principal: "*",
      FunctionUrlAuthType: "NONE",
    });
    expect(resources.WebhookInvokePermission.Properties).toEqual({
      FunctionName: { Ref: "WebhookFunction" },
      Action: "lambda:InvokeFunction",
      Principal: "*",
      InvokedViaFunctionUrl: true,
    });
  });

  it("the webhook's role reads exactly its two secrets and writes its own log group, nothing else", () => {
    const role = resources.WebhookRole.Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(statements(resources.WebhookRole).map((s) => ({ Action: s.Action, Resource: s.Resource }))).toEqual([
      {
        Action: ["secretsmanager:GetSecretValue"],
        Resource: [{ Ref: "WebhookAccessKey" }, { Ref: "DatabaseCredentials" }],
      },
      {
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: {
          "Fn::Sub":
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${WebhookLogGroup}:log-stream:*",
        },
      },
    ]);
  });

  it("no secret sits in the function's environment: the access key and the database password are read at run time", () => {
    const variables = resources.WebhookFunction.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables.FIREHOSE_ACCESS_KEY).toBeUndefined();
    expect(variables.FIREHOSE_ACCESS_KEY_PREVIOUS).toBeUndefined();
    expect(variables.FIREHOSE_ACCESS_KEY_SECRET_ID).toEqual({ Ref: "WebhookAccessKey" });
    expect(variables.MONGODB_CREDENTIALS_SECRET_ID).toEqual({ Ref: "DatabaseCredentials" });
    // The connection string parameter refuses credentials: they would end up in the environment.
    const uri = new RegExp(template.Parameters.MongoDbUri.AllowedPattern);
    expect(uri.test("mongodb+srv://cluster0.abcde.mongodb.net/")).toBe(true);
    expect(uri.test("mongodb+srv://user:secret@cluster0.abcde.mongodb.net/")).toBe(false);
    expect(resources.DatabaseCredentials.Properties.GenerateSecretString).toMatchObject({
      GenerateStringKey: "password",
      ExcludePunctuation: true,
    });
  });

  it("passes the function every webhook setting the functions read from values/, and no other", () => {
    const variables = Object.keys(resources.WebhookFunction.Properties.Environment.Variables);
    const settings = FIREHOSE_VALUE_NAMES.filter((name) => !name.startsWith("FIREHOSE_ACCESS_KEY"));
    expect(variables.filter((name) => settings.includes(name)).sort()).toEqual([...settings].sort());
    expect(variables.filter((name) => !settings.includes(name)).sort()).toEqual([
      "FIREHOSE_ACCESS_KEY_SECRET_ID",
      "FIREHOSE_MAX_BODY_BYTES",
      "MONGODB_CREDENTIALS_SECRET_ID",
      "MONGODB_URI",
    ]);
  });
});

describe("the resource specification check", () => {
  const planted = (change: (t: any) => void) => {
    const copy = structuredClone(template);
    change(copy);
    return validateTemplate(copy);
  };
  it.each([
    {
      name: "an unknown property",
      change: (t: any) => (t.Resources.WebhookFunction.Properties.Handlr = "index.handler"),
      problem: "WebhookFunction.Handlr: not a property of the specification",
    },
    {
      name: "a required property missing",
      change: (t: any) => delete t.Resources.WebhookFunctionUrl.Properties.AuthType,
      problem: "WebhookFunctionUrl.AuthType: required, missing",
    },
    {
      name: "a value not allowed",
      change: (t: any) => (t.Resources.WebhookFunctionUrl.Properties.AuthType = "OPEN"),
      problem: 'WebhookFunctionUrl.AuthType: "OPEN" is not one of AWS_IAM, NONE',
    },
    {
      name: "a wrong type inside a nested property type",
      change: (t: any) => (t.Resources.WebhookFunction.Properties.Code.S3Key = 42),
      problem: "WebhookFunction.Code.S3Key: must be a string, is 42",
    },
    {
      name: "an attribute the type does not return",
      change: (t: any) => (t.Outputs.WebhookUrl.Value["Fn::If"][1] = { "Fn::GetAtt": ["WebhookFunctionUrl", "Url"] }),
      problem: "Outputs.WebhookUrl[0]: AWS::Lambda::Url has no attribute Url",
    },
    {
      name: "a resource type that does not exist",
      change: (t: any) => (t.Resources.WebhookFunctionUrl.Type = "AWS::Lambda::FunctionUrl"),
      problem: "WebhookFunctionUrl: AWS::Lambda::FunctionUrl is not a resource type of the specification",
    },
    {
      name: "a string parameter where a number is expected",
      change: (t: any) => (t.Resources.WebhookFunction.Properties.MemorySize = { Ref: "LambdaRuntime" }),
      problem: "WebhookFunction.MemorySize: Ref LambdaRuntime is a String, a number is expected",
    },
  ])("names $name", ({ change, problem }) => {
    expect(planted(change)).toEqual([problem]);
  });
});
