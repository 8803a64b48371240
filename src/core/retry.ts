/** Waits; injected so tests can run retry schedules without real time passing. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BackoffPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * Exponential backoff with full jitter (AWS's advice for throttling): before retry n the wait is
 * uniform in [0, min(max, base * 2^n)). `random` is injectable for exact tests.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * Math.pow(2, retry));
  return Math.floor(random() * ceiling);
}

/**
 * Calls `attempt` until it succeeds, a non-retryable error is thrown, or attempts run out; the last
 * error is rethrown with the number of attempts made.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  policy: BackoffPolicy,
  sleep: Sleep,
  random?: () => number,
): Promise<T> {
  for (let made = 1; ; made++) {
    try {
      return await attempt();
    } catch (error) {
      if (made >= policy.maxAttempts || !isRetryable(error)) {
        (error as { attempts?: number }).attempts = made;
        throw error;
      }
      await sleep(backoffDelay(made - 1, policy, random));
    }
  }
}
