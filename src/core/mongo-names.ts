/**
 * MongoDB's naming restrictions for databases and collections, in one place: the settings tables
 * (settings.ts), the capture list, the webhook's routing and `npm run check` all ask here. From the
 * manual, "MongoDB Limits and Thresholds", Naming Restrictions
 * (https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions):
 *  - a database name is not empty, is shorter than 64 bytes, and holds none of / \ . " $ or a space
 *    (Linux, as on Atlas), nor * < > : | ? (Windows), nor NUL. Both platforms' sets are refused, so a
 *    name works on every deployment the data may be restored to;
 *  - a collection name is not empty, holds no $ and no NUL, and does not start with "system.";
 *  - a namespace (database, dot, collection) is at most 255 bytes.
 */

/** What no database name may hold, on any platform the manual lists. */
const DATABASE_NAME_CHARS = ["/", "\\", ".", " ", '"', "$", "*", "<", ">", ":", "|", "?", "\0"];
const MAX_DATABASE_NAME_BYTES = 63;
export const MAX_NAMESPACE_BYTES = 255;

const describeChar = (c: string) => (c === " " ? "a space" : c === "\0" ? "a NUL character" : `"${c}"`);

const shown = (name: string) => `"${name.slice(0, 80).replace(/\0/g, "\\0")}"`;

/** Why `name` cannot be a database name, or undefined when it can. */
export function databaseNameProblem(name: string): string | undefined {
  if (name === "") return "a database name cannot be empty";
  const bad = DATABASE_NAME_CHARS.find((c) => name.indexOf(c) !== -1);
  if (bad !== undefined)
    return `${shown(name)} is not a valid database name: it holds ${describeChar(bad)} (MongoDB refuses / \\ . " $ * < > : | ?, spaces and NUL in database names)`;
  const bytes = Buffer.byteLength(name);
  if (bytes > MAX_DATABASE_NAME_BYTES)
    return `${shown(name)} is not a valid database name: it is ${bytes} bytes long (at most ${MAX_DATABASE_NAME_BYTES})`;
  return undefined;
}

/** Why `name` cannot be a collection name, or undefined when it can. */
export function collectionNameProblem(name: string): string | undefined {
  if (name === "") return "a collection name cannot be empty";
  if (name.indexOf("$") !== -1) return `${shown(name)} is not a valid collection name: it holds "$"`;
  if (name.indexOf("\0") !== -1) return `${shown(name)} is not a valid collection name: it holds a NUL character`;
  if (name.indexOf("system.") === 0)
    return `${shown(name)} is not a valid collection name: the "system." prefix is MongoDB's own`;
  return undefined;
}

/** Why `db`.`coll` cannot be a namespace (either name, or the whole too long), or undefined. */
export function namespaceProblem(db: string, coll: string): string | undefined {
  const problem = databaseNameProblem(db) || collectionNameProblem(coll);
  if (problem !== undefined) return problem;
  const bytes = Buffer.byteLength(`${db}.${coll}`);
  if (bytes > MAX_NAMESPACE_BYTES)
    return `${shown(`${db}.${coll}`)} is not a valid namespace: it is ${bytes} bytes long (at most ${MAX_NAMESPACE_BYTES})`;
  return undefined;
}
