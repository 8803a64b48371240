/**
 * functions/: the functions other parts name, their sources, and their dependencies.
 * 20210101 and later: functions/config.json lists them and functions/<name>.js holds each (App Services
 * lists a source that config.json leaves out, with default settings, on import). Older layouts:
 * functions/<name>/config.json and source.js.
 */
import { type App, isOlder, record } from "../app";
import { schemas } from "../schemas";

/** Dependency archives App Services reads (functions/dependencies: .tar, .tar.gz, .tgz, .zip); at most 15 MB zipped. */
const ARCHIVE = /^node_modules\.(tar|tar\.gz|tgz|zip)$/;
const MAX_ARCHIVE_BYTES = 15 * 1024 * 1024;

/** Names of the functions `npm run build` makes (src/functions/<name>.ts). */
export type BuiltFunctions = ReadonlySet<string>;

export function checkFunctions(app: App, built: BuiltFunctions): void {
  if (isOlder(app.layout)) checkFolderFunctions(app);
  else checkListedFunctions(app, built);
  checkDependencies(app);
}

/** functions/config.json and functions/**\/*.js (node_modules is not searched, as realm-cli does). */
function checkListedFunctions(app: App, built: BuiltFunctions): void {
  for (const name of functionSources(app, "functions")) app.sources.add(name);

  // An app without functions has no functions/config.json (minimal pulls have only root_config.json).
  const path = "functions/config.json";
  const list = app.files.exists(path) ? app.files.read(path) : [];
  if (list === undefined) app.functions.complete = false;
  app.files.validate(path, list, schemas.functions);
  (Array.isArray(list) ? list : []).forEach((entry, i) => {
    const name = record(entry).name;
    if (typeof name !== "string") return;
    if (app.functions.has(name)) app.files.fail(`${path}: [${i}].name "${name}" is listed twice`);
    app.functions.add(name);
    if (!app.sources.has(name))
      app.files.fail(
        `${path}: [${i}].name "${name}" has no functions/${name}.js${built.has(name) ? " (run npm run build)" : ""}`,
      );
  });
  // This repository's export is the one whose functions are ours.
  app.ours = [...built].some((name) => app.functions.has(name));
}

/** Names of the sources under `dir`: functions/<folder>/<name>.js is the function "<folder>/<name>". */
function functionSources(app: App, dir: string): string[] {
  return app.files.entries(dir).flatMap((entry) => {
    const path = `${dir}/${entry}`;
    if (entry === "node_modules") return [];
    if (app.files.isFolder(path)) return functionSources(app, path);
    return entry.endsWith(".js") ? [path.slice("functions/".length, -".js".length)] : [];
  });
}

/** Older layouts: one folder per function, named by its config.json. */
function checkFolderFunctions(app: App): void {
  for (const dir of app.files.entries("functions", "folders")) {
    if (dir === "node_modules") continue;
    const config = `functions/${dir}/config.json`;
    for (const file of ["config.json", "source.js"])
      if (!app.files.exists(`functions/${dir}/${file}`))
        app.files.fail(`functions/${dir}/${file}: missing (a function is pushed as both files)`);
    const entry = app.files.read(config);
    // Without its config.json a function has no name: a reference to it is that file's problem, reported.
    if (entry === undefined) app.functions.complete = false;
    app.files.validate(config, entry, schemas.legacyFunction);
    const name = record(entry).name;
    if (typeof name !== "string") continue;
    if (app.functions.has(name)) app.files.fail(`${config}: name "${name}" is used by another function`);
    app.functions.add(name);
  }
}

/** functions/package.json (--include-package-json) and a node_modules folder or archive (--include-node-modules). */
function checkDependencies(app: App): void {
  if (app.files.exists("functions/package.json"))
    app.files.validate("functions/package.json", app.files.read("functions/package.json"), schemas.packageJson);
  const modules = app.files.entries("functions").filter((f) => f.startsWith("node_modules"));
  const archives = modules.filter((f) => ARCHIVE.test(f));
  if (modules.length > 0 && !modules.includes("node_modules") && archives.length === 0)
    app.files.fail(
      `functions/${modules[0]}: a push with --include-node-modules refuses it (App Services reads node_modules as a folder or a .tar, .tar.gz, .tgz or .zip archive)`,
    );
  for (const archive of archives) {
    const bytes = app.files.size(`functions/${archive}`);
    if (bytes > MAX_ARCHIVE_BYTES)
      app.files.fail(
        `functions/${archive}: ${(bytes / 1024 / 1024).toFixed(1)} MB; App Services takes dependency archives of at most 15 MB`,
      );
  }
}
