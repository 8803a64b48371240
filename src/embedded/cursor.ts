import type { DeserializeOptions } from "bson";
import type { Document } from "../core/ports";
import { decode, viewOf, type Stored } from "./documents";
import { checkOptions, countOption, DESERIALIZE_OPTIONS } from "./options";
import { parseProjection, project, type Projection } from "./projection";
import { parseSort, sortBy, type SortKey } from "./sort";

export interface FindOptions extends DeserializeOptions {
  sort?: Document;
  limit?: number;
  skip?: number;
  projection?: Document;
}

const FIND_OPTIONS = ["sort", "limit", "skip", "projection", ...DESERIALIZE_OPTIONS];

/** What a cursor asks its collection for; an ordered index may answer it sorted, skipped and limited already. */
export interface ReadHints {
  readonly sort?: readonly SortKey[];
  readonly skip: number;
  readonly limit: number;
}

export interface ReadResult {
  readonly entries: [string, Stored][];
  /** True when `entries` are already sorted, skipped and limited as the hints asked. */
  readonly done: boolean;
}

/** A find's cursor, as the driver's FindCursor: sort, skip, limit, project, then read. */
export class EmbeddedCursor {
  private sortKeys?: SortKey[];
  private skipCount = 0;
  private limitCount = 0;
  private projection?: Projection;
  private readonly deserialize: DeserializeOptions = {};
  private buffer?: Document[];
  private position = 0;
  /** A refused option or malformed sort or projection: like the driver's, it fails the read, not the call. */
  private failure?: unknown;

  constructor(
    private readonly source: (hints: ReadHints) => ReadResult,
    options: FindOptions = {},
  ) {
    this.defer(() => {
      checkOptions("find", options, FIND_OPTIONS);
      this.sortKeys = parseSort(options.sort);
      this.skipCount = countOption("skip", options.skip);
      this.limitCount = countOption("limit", options.limit);
      this.projection = parseProjection(options.projection);
      for (const name of DESERIALIZE_OPTIONS) {
        const value = (options as Record<string, unknown>)[name];
        if (value !== undefined) (this.deserialize as Record<string, unknown>)[name] = value;
      }
    });
  }

  private defer(step: () => void): this {
    if (this.failure === undefined) {
      try {
        step();
      } catch (error) {
        this.failure = error;
      }
    }
    return this;
  }

  sort(spec: Document): this {
    return this.defer(() => (this.sortKeys = parseSort(spec)));
  }
  skip(count: number): this {
    return this.defer(() => (this.skipCount = countOption("skip", count)));
  }
  limit(count: number): this {
    return this.defer(() => (this.limitCount = countOption("limit", count)));
  }
  project(spec: Document): this {
    return this.defer(() => (this.projection = parseProjection(spec)));
  }

  async toArray(): Promise<Document[]> {
    const all = this.materialise();
    const rest = all.slice(this.position);
    this.position = all.length;
    return rest;
  }

  async next(): Promise<Document | null> {
    const all = this.materialise();
    return this.position < all.length ? all[this.position++] : null;
  }

  async hasNext(): Promise<boolean> {
    return this.position < this.materialise().length;
  }

  async close(): Promise<void> {
    this.buffer = [];
    this.position = 0;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Document> {
    const all = this.materialise();
    while (this.position < all.length) yield all[this.position++];
  }

  private materialise(): Document[] {
    if (this.failure !== undefined) throw this.failure;
    if (this.buffer) return this.buffer;
    const read = this.source({ sort: this.sortKeys, skip: this.skipCount, limit: this.limitCount });
    const entries = read.done ? read.entries : this.order(read.entries);
    let documents = entries.map(([, stored]) => decode(stored.bytes, this.deserialize));
    const projection = this.projection;
    if (projection) documents = documents.map((document) => project(document, projection));
    this.buffer = documents;
    return documents;
  }

  /** Sort, skip and limit, the scan path's way. */
  private order(entries: [string, Stored][]): [string, Stored][] {
    let out = this.sortKeys ? sortBy(entries, this.sortKeys, (entry) => viewOf(entry[1])) : entries;
    if (this.skipCount) out = out.slice(this.skipCount);
    if (this.limitCount) out = out.slice(0, this.limitCount);
    return out;
  }
}
