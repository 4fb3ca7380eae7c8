import { TokenBucket } from './token-bucket';

describe(TokenBucket.name, () => {
  it('lets a burst through, then spaces callers at the rate', () => {
    let now = 0;
    const sut = new TokenBucket(10, 2, () => now);
    expect(sut.reserve()).toBe(0);
    expect(sut.reserve()).toBe(0);
    expect(sut.reserve()).toBe(100);
    expect(sut.reserve()).toBe(200);
    now = 1_000;
    expect(sut.reserve()).toBe(0);
  });
});
