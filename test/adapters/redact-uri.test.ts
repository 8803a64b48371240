import { describe, expect, it } from "vitest";
import { redactUri } from "../../src/adapters/mongodb/env-deps";

/**
 * What the servers print of MONGODB_URI (at start, in /healthz's `store`, in a connection error):
 * the hosts, never a credential. Options that carry secrets are those of the connection string
 * specification: authMechanismProperties (AWS_SESSION_TOKEN), tlsCertificateKeyFilePassword,
 * proxyPassword (https://www.mongodb.com/docs/manual/reference/connection-string-options/).
 */
describe("redactUri", () => {
  it.each([
    { name: "no credentials", uri: "mongodb://127.0.0.1:27017/", shown: "mongodb://127.0.0.1:27017/" },
    {
      name: "user and password",
      uri: "mongodb+srv://bridge:p%40ss@cluster0.example.mongodb.net/?retryWrites=true",
      shown: "mongodb+srv://<credentials>@cluster0.example.mongodb.net/?retryWrites=true",
    },
    {
      name: "an AWS session token in authMechanismProperties",
      uri: "mongodb+srv://awsuser:secret@cluster0.example.mongodb.net/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:tok",
      shown:
        "mongodb+srv://<credentials>@cluster0.example.mongodb.net/?authMechanism=MONGODB-AWS&authMechanismProperties=<credentials>",
    },
    {
      name: "a key file password and a proxy password",
      uri: "mongodb://h1,h2/db?tls=true&tlsCertificateKeyFilePassword=kp&proxyHost=p&proxyPassword=pp",
      shown:
        "mongodb://h1,h2/db?tls=true&tlsCertificateKeyFilePassword=<credentials>&proxyHost=p&proxyPassword=<credentials>",
    },
  ])("$name", ({ uri, shown }) => {
    expect(redactUri(uri)).toBe(shown);
  });
});
