/**
 * graphql/: pulls write config.json (and validation_settings.json) for every app; only custom
 * resolvers are something an app configured. They name functions.
 */
import { type App, needFunction, record, retired } from "../app";
import { schemas } from "../schemas";

export function checkGraphql(app: App): void {
  if (app.files.exists("graphql/config.json"))
    app.files.validate("graphql/config.json", app.files.read("graphql/config.json"), schemas.graphql);
  const resolvers = app.files.jsonFiles("graphql/custom_resolvers");
  for (const file of resolvers) {
    const path = `graphql/custom_resolvers/${file}`;
    const resolver = app.files.read(path);
    app.files.validate(path, resolver, schemas.customResolver);
    needFunction(app, path, "function_name", record(resolver).function_name);
  }
  if (resolvers.length > 0) retired(app, "graphql", "GraphQL");
}
