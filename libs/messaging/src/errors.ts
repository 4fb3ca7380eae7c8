/**
 * How a consumer treats a handler error: `retryable` errors are retried with backoff and then dead-lettered;
 * anything marked `retryable: false` (bad bytes, a message that breaks a rule) goes to the dead-letter topic at once,
 * because trying again cannot change the outcome.
 */
export class MessageError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MessageError';
  }
}

export class PermanentMessageError extends MessageError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, false, options);
    this.name = 'PermanentMessageError';
  }
}

/** Raised by `MessageProducer.send` when more bytes wait for acknowledgement than the configured buffer allows. */
export class ProducerBufferFullError extends MessageError {
  constructor(readonly bufferedBytes: number, readonly maxBufferedBytes: number) {
    super('producer_buffer_full', `producer buffer full: ${bufferedBytes} of ${maxBufferedBytes} bytes awaiting acknowledgement`, true);
    this.name = 'ProducerBufferFullError';
  }
}

export function isRetryable(err: unknown): boolean {
  return !(err instanceof MessageError) || err.retryable;
}

export function errorCode(err: unknown): string {
  if (err instanceof MessageError) return err.code;
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return 'handler_error';
}
