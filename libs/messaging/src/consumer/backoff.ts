export interface RetryPolicy {
  /** Tries after the first failure, for a batch and then again for each message of a failing batch. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 3, initialDelayMs: 100, maxDelayMs: 5_000 };

/** Exponential backoff with full jitter for the n-th retry (1-based). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}
