import { classifyStatus, parseRetryAfter, type DeliveryOutcome } from '@weft/destination-kit';

/** The endpoint URL with the connection's extra query parameters. */
export function endpointUrl(endpoint: string, queryParams: Record<string, string>): string {
  const url = new URL(endpoint);
  for (const [k, v] of Object.entries(queryParams)) url.searchParams.append(k, v);
  return url.toString();
}

/** What an HTTP answer means for the delivery: 2xx done; 408, 429, 5xx retried (Retry-After honoured); the rest final. */
export function outcomeOfResponse(status: number, retryAfter: string | undefined, body: string): DeliveryOutcome {
  const kind = classifyStatus(status);
  if (kind === 'delivered') return { kind, status };
  const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 300);
  const error = `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  if (kind === 'failed') return { kind, status, error };
  const retryAfterMs = parseRetryAfter(retryAfter);
  return retryAfterMs === undefined ? { kind, status, error } : { kind, status, error, retryAfterMs };
}

/** Network failures (refused, reset, timed out, TLS) are always worth another try. */
export function outcomeOfNetworkError(err: unknown): DeliveryOutcome {
  const e = err as { name?: string; code?: unknown; message?: string; cause?: { code?: unknown; message?: string } };
  const code =
    typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : e?.name === 'TimeoutError' ? 'timeout' : (e?.name ?? 'network_error');
  const message = e?.cause?.message ?? e?.message ?? String(err);
  return { kind: 'retry', error: `${code}: ${message}` };
}
