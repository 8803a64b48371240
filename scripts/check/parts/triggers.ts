/** triggers/<name>.json: database, scheduled and authentication triggers, and what they name. */
import { type App, needDataSource, needFunction, record, retired } from "../app";
import { schemas } from "../schemas";

export function checkTriggers(app: App): void {
  const names = new Set<string>();
  for (const file of app.files.jsonFiles("triggers")) {
    const path = `triggers/${file}`;
    const trigger = app.files.read(path);
    if (trigger === undefined) continue;
    app.files.validate(path, trigger, schemas.trigger);
    const t = record(trigger);
    if (typeof t.name === "string") {
      // App Services names the file after the trigger when it exports; our build and pull match triggers by file.
      if (`${t.name}.json` !== file) {
        if (app.ours)
          app.files.fail(
            `${path}: name "${t.name}" must match the file name (npm run build and npm run pull find triggers by file name)`,
          );
        else
          app.files.warn(
            `${path}: name "${t.name}" is not the file name (App Services names the file after the trigger when it exports)`,
          );
      }
      if (names.has(t.name)) app.files.fail(`${path}: name "${t.name}" is used by another trigger`);
      names.add(t.name);
    }
    const processors = record(t.event_processors);
    if (t.event_processors === undefined && t.function_name === undefined)
      app.files.warn(
        `${path}: no event_processors and no function_name: the trigger runs nothing (pulls write this when the trigger's function is gone)`,
      );
    needFunction(
      app,
      path,
      "event_processors.FUNCTION.config.function_name",
      record(record(processors.FUNCTION).config).function_name,
    );
    needFunction(app, path, "function_name", t.function_name);
    needFunction(app, path, "error_handler.config.function_name", record(record(t.error_handler).config).function_name);
    needDataSource(app, path, "config.service_name", record(t.config).service_name);
    if (t.type === "AUTHENTICATION") retired(app, path, "authentication triggers");
  }
}
