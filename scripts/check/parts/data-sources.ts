/** data_sources/<name>/config.json: the linked clusters and federated database instances other parts name. */
import { type App, record } from "../app";
import { schemas } from "../schemas";

export function checkDataSources(app: App): void {
  for (const dir of app.files.entries("data_sources", "folders")) {
    const path = `data_sources/${dir}/config.json`;
    if (!app.files.exists(path)) {
      app.files.warn(`data_sources/${dir}/: no config.json; not read as a data source`);
      continue;
    }
    const source = app.files.read(path);
    if (source === undefined) app.dataSources.complete = false;
    app.files.validate(path, source, schemas.dataSource);
    app.dataSources.add(record(source).name);
  }
}
