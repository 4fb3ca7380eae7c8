import type { ConnectionProblem } from '@weft/destination-kit';
import { z } from 'zod';

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'is not a valid header name');
const reservedHeaders = new Set(['authorization', 'content-type', 'content-length', 'idempotency-key', 'host']);
const headers = z
  .record(headerName, z.string().max(4_096))
  .refine((h) => Object.keys(h).every((k) => !reservedHeaders.has(k.toLowerCase())), 'may not set authorization, content-type, content-length, idempotency-key or host');

/** Non-secret settings of an HTTP connection (returned by the API). */
export const httpSettingsSchema = z
  .object({
    auth: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('none') }).strict(),
        z.object({ type: z.literal('bearer') }).strict(),
        z.object({ type: z.literal('basic') }).strict(),
        z
          .object({
            type: z.literal('oauth2-client-credentials'),
            tokenUrl: z.string().url(),
            clientId: z.string().min(1),
            scope: z.string().optional(),
            audience: z.string().optional(),
            /** How the client authenticates to the token URL: form body (default) or HTTP Basic. */
            credentialsIn: z.enum(['body', 'basic']).default('body'),
          })
          .strict(),
        z.object({ type: z.literal('mtls') }).strict(),
      ])
      .default({ type: 'none' }),
    /** Extra request headers (non-secret; secret ones go in credentials.headers). */
    headers: headers.default({}),
    /** Extra query parameters appended to the endpoint URL. */
    queryParams: z.record(z.string(), z.string()).default({}),
    tls: z
      .object({
        /** PEM of the CA(s) that sign the endpoint's certificate, when not a public CA. */
        ca: z.string().optional(),
        rejectUnauthorized: z.boolean().default(true),
      })
      .strict()
      .default({ rejectUnauthorized: true }),
  })
  .strict();
export type HttpSettings = z.infer<typeof httpSettingsSchema>;

/** Secret settings of an HTTP connection: stored sealed, never returned or logged. */
export const httpCredentialsSchema = z
  .object({
    token: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    clientSecret: z.string().min(1).optional(),
    /** PEM client certificate and key for mutual TLS (used on the data endpoint only). */
    clientCert: z.string().min(1).optional(),
    clientKey: z.string().min(1).optional(),
    passphrase: z.string().optional(),
    /** Secret request headers, e.g. an API key header. */
    headers: headers.optional(),
  })
  .strict();
export type HttpCredentials = z.infer<typeof httpCredentialsSchema>;

/** Each auth mode's required credentials. */
export function checkHttpConnection(settings: HttpSettings, credentials: HttpCredentials | undefined): ConnectionProblem[] {
  const c = credentials ?? {};
  const missing = (field: keyof HttpCredentials, why: string): ConnectionProblem => ({
    path: `credentials.${field}`,
    message: `is required ${why}`,
  });
  const problems: ConnectionProblem[] = [];
  switch (settings.auth.type) {
    case 'none':
      break;
    case 'bearer':
      if (!c.token) problems.push(missing('token', 'for bearer auth'));
      break;
    case 'basic':
      if (!c.username) problems.push(missing('username', 'for basic auth'));
      if (c.password === undefined) problems.push(missing('password', 'for basic auth'));
      break;
    case 'oauth2-client-credentials':
      if (!c.clientSecret) problems.push(missing('clientSecret', 'for OAuth 2 client credentials'));
      break;
    case 'mtls':
      if (!c.clientCert) problems.push(missing('clientCert', 'for mutual TLS'));
      if (!c.clientKey) problems.push(missing('clientKey', 'for mutual TLS'));
      break;
  }
  if (!!c.clientCert !== !!c.clientKey) problems.push(missing(c.clientCert ? 'clientKey' : 'clientCert', 'with the other half of the client certificate'));
  return problems;
}
