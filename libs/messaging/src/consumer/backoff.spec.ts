import { backoffDelay } from './backoff';

describe(backoffDelay.name, () => {
  const policy = { retries: 5, initialDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles the cap per attempt and stays between half the cap and the cap', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 3, () => 0)).toBe(200);
    expect(backoffDelay(policy, 3, () => 1)).toBe(400);
  });

  it('never exceeds the maximum delay', () => {
    expect(backoffDelay(policy, 10, () => 1)).toBe(1_000);
  });
});
