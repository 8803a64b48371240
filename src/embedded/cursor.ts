import type { DeserializeOptions } from "bson";
import { Aggregator } from "mingo";
import type { Document } from "../core/ports";
import { decode, type Stored } from "./documents";

export interface FindOptions extends DeserializeOptions {
  sort?: Document;
  limit?: number;
  skip?: number;
  projection?: Document;
}

/** What a cursor asks its collection for; an ordered index may answer it sorted, skipped and limited already. */
export interface ReadHints {
  readonly sort?: Document;
  readonly skip: number;
  readonly limit: number;
}

export interface ReadResult {
  readonly entries: [string, Stored][];
  /** True when `entries` are already sorted, skipped and limited as the hints asked. */
  readonly done: boolean;
}

export class EmbeddedCursor {
  private sortSpec?: Document;
  private skipCount = 0;
  private limitCount = 0;
  private projectionSpec?: Document;
  private buffer?: Document[];
  private position = 0;

  constructor(
    private readonly source: (hints: ReadHints) => ReadResult,
    private readonly options: FindOptions,
  ) {
    if (options.sort) this.sortSpec = options.sort;
    if (options.skip) this.skipCount = options.skip;
    if (options.limit) this.limitCount = options.limit;
    if (options.projection) this.projectionSpec = options.projection;
  }

  sort(spec: Document): this {
    this.sortSpec = spec;
    return this;
  }
  skip(count: number): this {
    this.skipCount = count;
    return this;
  }
  limit(count: number): this {
    this.limitCount = count;
    return this;
  }
  project(spec: Document): this {
    this.projectionSpec = spec;
    return this;
  }

  async toArray(): Promise<Document[]> {
    return this.materialise().slice(this.position);
  }

  async next(): Promise<Document | null> {
    const all = this.materialise();
    return this.position < all.length ? all[this.position++] : null;
  }

  async hasNext(): Promise<boolean> {
    return this.position < this.materialise().length;
  }

  private materialise(): Document[] {
    if (this.buffer) return this.buffer;
    const read = this.source({ sort: this.sortSpec, skip: this.skipCount, limit: this.limitCount });
    let entries = read.entries;
    if (!read.done) entries = this.order(entries);
    const { sort: _s, limit: _l, skip: _k, projection: _p, ...deserializeOptions } = this.options;
    let documents = entries.map(([, stored]) => decode(stored.bytes, deserializeOptions));
    if (this.projectionSpec)
      documents = new Aggregator([{ $project: this.projectionSpec }]).run(documents) as Document[];
    this.buffer = documents;
    return documents;
  }

  /** Sort, skip and limit, the scan path's way (mingo's $sort has MongoDB's comparison rules). */
  private order(entries: [string, Stored][]): [string, Stored][] {
    if (this.sortSpec) {
      const byView = new Map<Document, [string, Stored]>(entries.map((entry) => [entry[1].view, entry]));
      const sorted = new Aggregator([{ $sort: this.sortSpec }]).run(
        entries.map((entry) => entry[1].view),
      ) as Document[];
      entries = sorted.map((view) => byView.get(view) as [string, Stored]);
    }
    if (this.skipCount) entries = entries.slice(this.skipCount);
    if (this.limitCount) entries = entries.slice(0, this.limitCount);
    return entries;
  }
}
