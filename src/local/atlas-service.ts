import type { DataSourcePort, Document } from "../core/ports";

/**
 * The `mongodb-atlas` service as the local runtime hands it to functions. Reads of the collections
 * its DATABASE triggers watch keep their values' BSON types (an Int32 stays Int32, a Double holding
 * 2 stays a Double), as the triggers' change events do: a snapshot read and a change event of the
 * same document then carry the same types, so the mirror stays exact whichever reached it. Every
 * other collection (the functions' own: signals, outbox, the webhook's rows) reads as App Services
 * documents the numbers it returns, as plain JavaScript numbers.
 *
 * Whether App Services itself promotes numbers in `find` is not documented
 * (docs/capture.md#number-types). App Services reads `find`'s second argument as a projection, so the
 * functions never pass options; the types are chosen here, by the host.
 */
export function localAtlasService(source: DataSourcePort, isWatched: (namespace: string) => boolean): DataSourcePort {
  return overriding(source, {
    db: (database: string) => {
      const db = source.db(database);
      return overriding(db, {
        collection: (name: string) => {
          const collection = db.collection(name);
          if (!isWatched(`${database}.${name}`)) return collection;
          return overriding(collection, {
            find: (filter: Document = {}) => collection.find(filter, { promoteValues: false, promoteLongs: false }),
          });
        },
      });
    },
  });
}

/** `target` with some methods replaced; every other property is the target's own (methods bound to it). */
function overriding<T extends object>(target: T, methods: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.prototype.hasOwnProperty.call(methods, property)) return methods[property as keyof T];
      const value = Reflect.get(object, property) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}
