import { expectEventually } from './eventually';

describe(expectEventually.name, () => {
  it('resolves once the assertion passes', async () => {
    let calls = 0;
    const value = await expectEventually(() => {
      calls += 1;
      if (calls < 3) throw new Error('not yet');
      return calls;
    }, { intervalMs: 1 });
    expect(value).toBe(3);
  });

  it('fails with the last error after the timeout', async () => {
    await expect(
      expectEventually(() => {
        throw new Error('never true');
      }, { timeoutMs: 30, intervalMs: 5 }),
    ).rejects.toThrow(/still failing after 30 ms: never true/);
  });
});
