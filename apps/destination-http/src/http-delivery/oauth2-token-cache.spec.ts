import { OAuth2TokenCache } from './oauth2-token-cache';

describe(OAuth2TokenCache.name, () => {
  let now = 0;
  let fetched = 0;
  const fetchToken = jest.fn(async () => ({ accessToken: `token-${++fetched}`, expiresIn: 600 }));
  beforeEach(() => {
    now = 0;
    fetched = 0;
    fetchToken.mockClear();
  });
  const make = () => new OAuth2TokenCache(fetchToken, () => now);

  it('fetches once for concurrent callers and reuses the token', async () => {
    const sut = make();
    const tokens = await Promise.all([sut.get('c'), sut.get('c'), sut.get('c')]);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    now = 500_000;
    expect(await sut.get('c')).toBe('token-1');
    expect(fetchToken).toHaveBeenCalledTimes(1);
  });

  it('refreshes shortly before expiry', async () => {
    const sut = make();
    await sut.get('c');
    now = 571_000; // 600 s lifetime minus the 30 s margin
    expect(await sut.get('c')).toBe('token-2');
  });

  it('fetches again after invalidate (the endpoint answered 401)', async () => {
    const sut = make();
    await sut.get('c');
    sut.invalidate('c');
    expect(await sut.get('c')).toBe('token-2');
  });

  it('does not cache a failed fetch', async () => {
    const failing = jest.fn().mockRejectedValueOnce(new Error('down')).mockResolvedValue({ accessToken: 'ok', expiresIn: 60 });
    const sut = new OAuth2TokenCache(failing, () => now);
    await expect(sut.get('c')).rejects.toThrow('down');
    expect(await sut.get('c')).toBe('ok');
  });

  it('keeps tokens per connection', async () => {
    const sut = make();
    expect(await sut.get('a')).toBe('token-1');
    expect(await sut.get('b')).toBe('token-2');
  });
});
