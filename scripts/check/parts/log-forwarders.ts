/** log_forwarders/<name>.json: which logs go to a collection or a function. */
import { type App, needDataSource, needFunction, record } from "../app";
import { schemas } from "../schemas";

export function checkLogForwarders(app: App): void {
  const names = new Set<string>();
  for (const file of app.files.jsonFiles("log_forwarders")) {
    const path = `log_forwarders/${file}`;
    const forwarder = app.files.read(path);
    app.files.validate(path, forwarder, schemas.logForwarder);
    const f = record(forwarder);
    const action = record(f.action);
    if (typeof f.name === "string") {
      if (names.has(f.name)) app.files.fail(`${path}: name "${f.name}" is used by another log forwarder`);
      names.add(f.name);
    }
    if (action.type === "function") needFunction(app, path, "action.name", action.name);
    if (action.type === "collection") needDataSource(app, path, "action.data_source", action.data_source);
  }
}
