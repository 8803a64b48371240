/**
 * A delivery body's records as a reading strategy found them, before their base64 is decoded
 * (read-delivery.ts decodes them). The strategies: the fast scan of Firehose's own form
 * (scan-delivery-body.ts) and the full parse (parse-delivery-body.ts).
 */
export interface DeliveryBody {
  readonly requestId: string;
  readonly recordCount: number;
  /** The record's `data` as the body holds it (a string in a well-formed record). */
  dataOf(index: number): unknown;
  /** The length of that text (0 when there is none), which bounds its decoded size. */
  textLength(index: number): number;
  /**
   * Whether the text is exactly the string JSON.parse gives for it. When it is not and the record
   * fails to decode, the body goes to the next strategy: a strategy may change how fast a body is
   * read, never what it means.
   */
  readsAsJson(index: number): boolean;
}

/** One way to read a body: its records, or undefined when this strategy cannot be sure of them. */
export type BodyStrategy = (body: Buffer) => DeliveryBody | undefined;
