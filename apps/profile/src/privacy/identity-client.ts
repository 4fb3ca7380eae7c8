import { Inject, Injectable } from '@nestjs/common';
import { request } from 'undici';
import { CONFIG } from '@weft/platform';
import type { ProfileConfig } from '../config';

export type GraphDeletion = { ok: true; status: number } | { ok: false; error: string };

/** The identity service's admin API, for removing a person's identity graph. */
@Injectable()
export class IdentityClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;

  constructor(@Inject(CONFIG) config: ProfileConfig) {
    this.baseUrl = config.IDENTITY_URL.replace(/\/$/, '');
    this.apiKey = config.IDENTITY_API_KEY ?? config.WEFT_API_KEYS[0];
  }

  /** DELETE /v1/identities/graph/{profileId}; a graph that is already gone (404) counts as deleted. */
  async deleteGraph(profileId: string): Promise<GraphDeletion> {
    try {
      const res = await request(`${this.baseUrl}/v1/identities/graph/${encodeURIComponent(profileId)}`, {
        method: 'DELETE',
        headers: { 'x-api-key': this.apiKey },
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const body = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
      // A graph already gone is deleted; a missing route (an identity service without this API) is not.
      if (res.statusCode === 404 && !body.includes('Cannot DELETE')) return { ok: true, status: res.statusCode };
      return { ok: false, error: `identity service answered ${res.statusCode}: ${body.slice(0, 500)}` };
    } catch (err) {
      return { ok: false, error: `identity service unreachable at ${this.baseUrl}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}
