export interface AccessToken {
  accessToken: string;
  /** Lifetime in seconds, as the token endpoint's `expires_in` (default 3600 when absent). */
  expiresIn: number;
}

/**
 * Access tokens per connection: fetched once for all concurrent callers, reused until shortly before they expire
 * (refresh margin: 30 s or a tenth of the lifetime, whichever is smaller), dropped when the endpoint says 401.
 */
export class OAuth2TokenCache {
  private readonly entries = new Map<string, { token: Promise<string>; expiresAt: number }>();

  constructor(
    private readonly fetchToken: (key: string) => Promise<AccessToken>,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): Promise<string> {
    const entry = this.entries.get(key);
    if (entry && this.now() < entry.expiresAt) return entry.token;
    const fresh = { token: Promise.resolve(''), expiresAt: Infinity };
    fresh.token = this.fetchToken(key).then(
      ({ accessToken, expiresIn }) => {
        const lifetimeMs = expiresIn * 1000;
        fresh.expiresAt = this.now() + lifetimeMs - Math.min(30_000, lifetimeMs / 10);
        return accessToken;
      },
      (err: unknown) => {
        if (this.entries.get(key) === fresh) this.entries.delete(key);
        throw err;
      },
    );
    this.entries.set(key, fresh);
    return fresh.token;
  }

  invalidate(key: string): void {
    this.entries.delete(key);
  }
}
