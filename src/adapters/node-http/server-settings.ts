import { optional, readSettings, setting, text, wholeNumber } from "../../core/settings";

export interface ServerLimits {
  /** Request-body bytes held at once, across all deliveries; past it a delivery gets 503 at once. */
  readonly maxInflightBytes: number;
  /** Connections being served at once; more are closed as they arrive. Refused connections do not count. */
  readonly maxConnections: number;
  /**
   * Refused connections lingering at once so their clients can read the answer (see connection-gate.ts);
   * past it the oldest is closed. Fixed, not a setting: it bounds what refusals may hold, whatever their rate.
   */
  readonly maxLingering: number;
  /** How long a refused connection lingers at most (fixed, not a setting). */
  readonly lingerMs: number;
  /** Time for a client to send all its headers. */
  readonly headersTimeoutMs: number;
  /** Time for a client to send its whole request, body included. */
  readonly requestTimeoutMs: number;
  /** A connection with nothing sent or received for this long is closed. */
  readonly idleTimeoutMs: number;
  /** How often the server checks the header and request timeouts. */
  readonly checkIntervalMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  maxInflightBytes: 256 * 1024 * 1024,
  maxConnections: 512,
  maxLingering: 64,
  lingerMs: 2_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
};

/** The Node server's own settings (environment variables), read by the same parsers as every value. */
export const serverSettings = {
  maxInflightBytes: setting(
    "FIREHOSE_MAX_INFLIGHT_BYTES",
    wholeNumber(1, Number.MAX_SAFE_INTEGER),
    DEFAULT_SERVER_LIMITS.maxInflightBytes,
  ),
  maxConnections: setting("FIREHOSE_MAX_CONNECTIONS", wholeNumber(1, 1_000_000), DEFAULT_SERVER_LIMITS.maxConnections),
  headersTimeoutMs: setting(
    "FIREHOSE_HEADERS_TIMEOUT_MS",
    wholeNumber(1, 3_600_000),
    DEFAULT_SERVER_LIMITS.headersTimeoutMs,
  ),
  requestTimeoutMs: setting(
    "FIREHOSE_REQUEST_TIMEOUT_MS",
    wholeNumber(1, 3_600_000),
    DEFAULT_SERVER_LIMITS.requestTimeoutMs,
  ),
  idleTimeoutMs: setting("FIREHOSE_IDLE_TIMEOUT_MS", wholeNumber(1, 3_600_000), DEFAULT_SERVER_LIMITS.idleTimeoutMs),
};

/** Where the server listens: PORT (0 picks a free port) and HOST. */
export const listenSettings = {
  port: setting("PORT", wholeNumber(0, 65_535), 8080),
  host: setting("HOST", text, "0.0.0.0"),
};

/** METRICS_TOKEN: when set, `GET /metrics` answers only `Authorization: Bearer <METRICS_TOKEN>`. */
export const metricsTokenSetting = optional("METRICS_TOKEN", text);

/** The limits from FIREHOSE_MAX_INFLIGHT_BYTES, FIREHOSE_MAX_CONNECTIONS and FIREHOSE_*_TIMEOUT_MS. */
export function serverLimitsFromEnv(env: NodeJS.ProcessEnv): ServerLimits {
  return effectiveLimits(readSettings((name) => env[name], serverSettings));
}

/** Defaults for what is not given; headers are part of the request, so their time is at most the request's (Node requires it). */
export function effectiveLimits(given: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...given };
  return { ...limits, headersTimeoutMs: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) };
}
