export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Retries `assertion` until it stops throwing (or resolves), or fails with its last error after the timeout.
 * For asynchronous outcomes (a message consumed, a row written); never a fixed sleep.
 */
export async function expectEventually<T>(
  assertion: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 50 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  if (lastError instanceof Error) {
    lastError.message = `still failing after ${timeoutMs} ms: ${lastError.message}`;
    throw lastError;
  }
  throw new Error(`still failing after ${timeoutMs} ms: ${String(lastError)}`);
}
