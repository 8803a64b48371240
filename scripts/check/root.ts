/**
 * The app's root files: which layout the folder is, and its app-level settings.
 * The CLIs find an app by its root file: the App Services CLI by root_config.json; realm-cli by
 * realm_config.json (20210101), config.json (20200603) or stitch.json (20180301), as its local/app.go does.
 */
import { type AppFiles, type Layout, record } from "./app";
import { schemas } from "./schemas";

const OLDER: Record<number, Layout> = { 20200603: "20200603", 20180301: "20180301" };

export interface Root {
  readonly layout: Layout;
  readonly file: string;
  /** The root file, parsed (undefined when it could not be read). */
  readonly config: unknown;
}

/** The folder's layout and root file, after checking them; undefined when it is not an App Services app. */
export function checkRoot(files: AppFiles): Root | undefined {
  if (files.exists("root_config.json")) {
    const config = files.read("root_config.json");
    files.validate("root_config.json", config, schemas.rootConfig);
    // appservices pull keeps the config_version in .mdb/meta.json (20230101 in most pulls seen).
    if (files.exists(".mdb/meta.json")) files.validate(".mdb/meta.json", files.read(".mdb/meta.json"), schemas.meta);
    if (files.exists("realm_config.json"))
      files.warn("realm_config.json: belongs to realm-cli's layout; the App Services CLI reads root_config.json only");
    return { layout: "appservices", file: "root_config.json", config };
  }
  if (files.exists("realm_config.json")) {
    // realm-cli reads a realm_config.json as the 20210101 layout, whatever version it says.
    const config = files.read("realm_config.json");
    const version = record(config).config_version;
    if (typeof version === "number" && OLDER[version]) {
      files.fail(
        `realm_config.json: config_version ${version} is the ${OLDER[version]} layout's, whose root file is ${version === 20180301 ? "stitch.json" : "config.json"}; realm-cli reads realm_config.json as 20210101 (pull the app again, or rename the file)`,
      );
      files.validate("realm_config.json", { ...record(config), config_version: 20210101 }, schemas.realmConfig);
    } else files.validate("realm_config.json", config, schemas.realmConfig);
    return { layout: "20210101", file: "realm_config.json", config };
  }
  // A root config.json is an app only when it says which version it is (many projects have a config.json).
  for (const file of ["config.json", "stitch.json"]) {
    if (!files.exists(file)) continue;
    const config = files.read(file);
    if (config === undefined) return file === "stitch.json" ? { layout: "20180301", file, config } : undefined;
    const version = record(config).config_version;
    const layout = typeof version === "number" ? OLDER[version] : undefined;
    if (file === "config.json" && !layout) continue;
    files.validate(file, config, schemas.legacyConfig);
    return { layout: layout ?? "20180301", file, config };
  }
  files.fail(
    "root_config.json: missing (no root_config.json, realm_config.json, config.json with a config_version, or stitch.json: not an App Services app folder)",
  );
  return undefined;
}
