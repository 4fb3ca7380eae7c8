import { Injectable } from '@nestjs/common';
import type { DeliveryOutcome, DeliveryRequest, DestinationTransport, ResolvedConnection } from '@weft/destination-kit';
import { Agent, request, type Dispatcher } from 'undici';
import type { HttpCredentials, HttpSettings } from './http-connection.dto';
import { endpointUrl, outcomeOfNetworkError, outcomeOfResponse } from './http-outcome';
import { OAuth2TokenCache, type AccessToken } from './oauth2-token-cache';

type HttpConnection = ResolvedConnection<HttpSettings, HttpCredentials>;

/** Refusal of the token endpoint: 4xx means the client credentials are wrong (final), anything else is retried. */
class TokenError extends Error {
  constructor(
    readonly status: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

async function readSnippet(body: Dispatcher.ResponseData['body'], max = 2_048): Promise<string> {
  let text = '';
  for await (const chunk of body) {
    if (text.length < max) text += (chunk as Buffer).toString('utf8');
  }
  return text.slice(0, max);
}

/**
 * Sends deliveries over HTTP(S) with undici: one keep-alive pool per connection (sized to its concurrency, with the
 * client certificate for mutual TLS), the auth mode's header (OAuth 2 tokens cached and refreshed), and the
 * delivery id as `Idempotency-Key`, the same on every retry.
 */
@Injectable()
export class HttpTransport implements DestinationTransport<HttpSettings, HttpCredentials> {
  private readonly pools = new Map<string, Agent>();
  private readonly tokenAgents = new Map<string, Agent>();
  private readonly connections = new Map<string, HttpConnection>();
  private readonly tokens = new OAuth2TokenCache((id) => this.fetchToken(id));

  async send(connection: HttpConnection, delivery: DeliveryRequest): Promise<DeliveryOutcome> {
    this.connections.set(connection.id, connection);
    const { settings, credentials = {}, delivery: limits } = connection;
    const headers: Record<string, string> = {
      ...settings.headers,
      ...credentials.headers,
      'content-type': 'application/json',
      'idempotency-key': delivery.deliveryId,
      'x-weft-delivery-attempt': String(delivery.attempt),
      'user-agent': 'weft-destination-http',
    };
    try {
      const authorization = await this.authorization(connection);
      if (authorization) headers['authorization'] = authorization;
    } catch (err) {
      if (err instanceof TokenError) {
        const error = `OAuth 2 token request failed: ${err.message}`;
        return err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429
          ? { kind: 'failed', status: err.status, error }
          : { kind: 'retry', error };
      }
      return outcomeOfNetworkError(err);
    }
    try {
      const response = await request(endpointUrl(connection.endpoint, settings.queryParams), {
        method: 'POST',
        dispatcher: this.pool(connection),
        headers,
        body: delivery.body,
        headersTimeout: limits.timeoutMs,
        bodyTimeout: limits.timeoutMs,
        signal: AbortSignal.timeout(limits.timeoutMs),
      });
      const retryAfter = response.headers['retry-after'];
      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        await response.body.dump();
        return { kind: 'delivered', status };
      }
      const snippet = await readSnippet(response.body);
      if (status === 401 && settings.auth.type === 'oauth2-client-credentials') {
        this.tokens.invalidate(connection.id);
        return { kind: 'retry', status, error: 'HTTP 401: access token refused; a new one is fetched for the next attempt' };
      }
      return outcomeOfResponse(status, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, snippet);
    } catch (err) {
      return outcomeOfNetworkError(err);
    }
  }

  async release(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
    this.tokens.invalidate(connectionId);
    const pool = this.pools.get(connectionId);
    const tokenAgent = this.tokenAgents.get(connectionId);
    this.pools.delete(connectionId);
    this.tokenAgents.delete(connectionId);
    await Promise.all([pool?.close(), tokenAgent?.close()]);
  }

  private pool(connection: HttpConnection): Agent {
    let pool = this.pools.get(connection.id);
    if (!pool) {
      const { settings, credentials = {}, delivery } = connection;
      pool = new Agent({
        connections: delivery.concurrency,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: {
          ca: settings.tls.ca,
          rejectUnauthorized: settings.tls.rejectUnauthorized,
          cert: credentials.clientCert,
          key: credentials.clientKey,
          passphrase: credentials.passphrase,
        },
      });
      this.pools.set(connection.id, pool);
    }
    return pool;
  }

  private async authorization(connection: HttpConnection): Promise<string | undefined> {
    const { settings, credentials = {} } = connection;
    switch (settings.auth.type) {
      case 'none':
      case 'mtls':
        return undefined;
      case 'bearer':
        return `Bearer ${credentials.token ?? ''}`;
      case 'basic':
        return `Basic ${Buffer.from(`${credentials.username ?? ''}:${credentials.password ?? ''}`).toString('base64')}`;
      case 'oauth2-client-credentials':
        return `Bearer ${await this.tokens.get(connection.id)}`;
    }
  }

  private async fetchToken(connectionId: string): Promise<AccessToken> {
    const connection = this.connections.get(connectionId);
    if (!connection || connection.settings.auth.type !== 'oauth2-client-credentials') {
      throw new TokenError(undefined, 'connection has no OAuth 2 settings');
    }
    const auth = connection.settings.auth;
    const secret = connection.credentials?.clientSecret ?? '';
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    if (auth.audience) form.set('audience', auth.audience);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (auth.credentialsIn === 'basic') {
      headers['authorization'] = `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    } else {
      form.set('client_id', auth.clientId);
      form.set('client_secret', secret);
    }
    let agent = this.tokenAgents.get(connectionId);
    if (!agent) {
      const tls = connection.settings.tls;
      agent = new Agent({ connections: 2, connect: { ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized } });
      this.tokenAgents.set(connectionId, agent);
    }
    const timeout = connection.delivery.timeoutMs;
    const response = await request(auth.tokenUrl, {
      method: 'POST',
      dispatcher: agent,
      headers,
      body: form.toString(),
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
    }).catch((err: unknown) => {
      const outcome = outcomeOfNetworkError(err);
      throw new TokenError(undefined, outcome.kind === 'delivered' ? 'network error' : outcome.error);
    });
    const text = await readSnippet(response.body, 64_000);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new TokenError(response.statusCode, `HTTP ${response.statusCode}`);
    }
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new TokenError(undefined, 'token response is not JSON');
    }
    if (typeof parsed.access_token !== 'string' || !parsed.access_token) throw new TokenError(undefined, 'token response has no access_token');
    const expiresIn = Number(parsed.expires_in);
    return { accessToken: parsed.access_token, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3_600 };
  }
}
