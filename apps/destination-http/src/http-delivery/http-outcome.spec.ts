import { endpointUrl, outcomeOfNetworkError, outcomeOfResponse } from './http-outcome';

describe(outcomeOfResponse.name, () => {
  it('is delivered for 2xx', () => {
    expect(outcomeOfResponse(202, undefined, '')).toEqual({ kind: 'delivered', status: 202 });
  });
  it('retries 429 after the Retry-After delay', () => {
    expect(outcomeOfResponse(429, '3', 'slow down')).toEqual({ kind: 'retry', status: 429, error: 'HTTP 429: slow down', retryAfterMs: 3_000 });
  });
  it('retries 5xx and 408', () => {
    expect(outcomeOfResponse(502, undefined, '').kind).toBe('retry');
    expect(outcomeOfResponse(408, undefined, '').kind).toBe('retry');
  });
  it('does not retry other 4xx, and keeps a short snippet of the answer', () => {
    const sut = outcomeOfResponse(400, undefined, `{"error":\n"bad field"}${'x'.repeat(1_000)}`);
    expect(sut.kind).toBe('failed');
    expect(sut.kind !== 'delivered' && sut.error.length).toBeLessThan(320);
  });
});

describe(outcomeOfNetworkError.name, () => {
  it('retries with the error code', () => {
    expect(outcomeOfNetworkError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toEqual({
      kind: 'retry',
      error: 'UND_ERR_SOCKET: other side closed',
    });
  });
});

describe(endpointUrl.name, () => {
  it('appends query parameters', () => {
    expect(endpointUrl('https://example.com/hook?a=1', { b: '2 3' })).toBe('https://example.com/hook?a=1&b=2+3');
  });
});
