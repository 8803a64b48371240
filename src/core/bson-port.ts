/**
 * The BSON constructors the cores need, taken from whichever library the host has: the global
 * `BSON`/`EJSON` inside App Services, or the `bson` package (the one the driver uses) in Node.
 * Only constructors that exist in both are used (for example `new Binary(bytes, subType)` rather than
 * bson 7's `createFromBase64`, which App Services' BSON does not have).
 */
export interface BsonLibrary {
  ObjectId: any;
  Long: any;
  Decimal128: any;
  Double: any;
  Binary: any;
  BSONRegExp: any;
  MinKey: any;
  MaxKey: any;
  Timestamp?: any;
}

export interface EjsonLibrary {
  parse(text: string, options?: Record<string, unknown>): any;
  stringify(value: unknown, options?: Record<string, unknown>): string;
}

export interface BsonPort {
  readonly lib: BsonLibrary;
  readonly ejson: EjsonLibrary;
  /** The `_bsontype` tag of a BSON value (ObjectId spelled so whatever the library), or undefined for plain values. */
  bsonType(value: unknown): string | undefined;
}

export function makeBsonPort(lib: BsonLibrary, ejson: EjsonLibrary): BsonPort {
  return {
    lib,
    ejson,
    bsonType(value: unknown): string | undefined {
      if (value === null || typeof value !== "object") return undefined;
      const tag = (value as { _bsontype?: unknown })._bsontype;
      if (typeof tag !== "string") return undefined;
      // js-bson before 5 tags ObjectIds "ObjectID" (the BSON of a Node 10 runtime may well be one of those).
      return tag === "ObjectID" ? "ObjectId" : tag;
    },
  };
}
