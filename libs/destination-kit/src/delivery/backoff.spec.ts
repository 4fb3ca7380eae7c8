import { classifyStatus, defaultDeliveryRetryPolicy, parseRetryAfter, retryDelay } from './backoff';

describe(retryDelay.name, () => {
  const policy = { ...defaultDeliveryRetryPolicy, initialDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles per retry within [cap/2, cap]', () => {
    expect(retryDelay(policy, 1, () => 0)).toBe(50);
    expect(retryDelay(policy, 1, () => 1)).toBe(100);
    expect(retryDelay(policy, 3, () => 1)).toBe(400);
  });

  it('never exceeds the maximum delay', () => {
    expect(retryDelay(policy, 20, () => 1)).toBe(1_000);
  });

  it('spreads retries (jitter)', () => {
    const delays = new Set(Array.from({ length: 20 }, () => retryDelay(policy, 4)));
    expect(delays.size).toBeGreaterThan(1);
  });
});

describe(parseRetryAfter.name, () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter('0.5')).toBe(500);
  });
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2024-05-15T10:00:00Z');
    expect(parseRetryAfter('Wed, 15 May 2024 10:00:03 GMT', now)).toBe(3_000);
    expect(parseRetryAfter('Wed, 15 May 2024 09:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe(classifyStatus.name, () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'failed'],
    [401, 'failed'],
    [404, 'failed'],
    [301, 'failed'],
  ])('%i is %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});
