export interface DeliveryRetryPolicy {
  /** Tries in all, the first included; after the last one the delivery is dead-lettered. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After a receiver may ask for; longer requests are capped. */
  maxRetryAfterMs: number;
}

/** About a minute in all: 0.5, 1, 2, 4, 8, 16 s (each jittered), then the dead-letter store. */
export const defaultDeliveryRetryPolicy: DeliveryRetryPolicy = {
  maxAttempts: 7,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

/** Exponential backoff with jitter before retry number `retry` (1-based): uniform in [cap/2, cap]. */
export function retryDelay(policy: DeliveryRetryPolicy, retry: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** A Retry-After header (delay-seconds or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type StatusClass = 'delivered' | 'retry' | 'failed';

/** 2xx delivered; 408, 429 and 5xx are worth retrying; every other status is final. */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'failed';
}
