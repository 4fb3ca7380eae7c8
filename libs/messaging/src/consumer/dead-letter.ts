/** Headers a dead-lettered message carries besides its own, so it can be inspected and replayed to its source. */
export const DeadLetterHeaders = {
  errorCode: 'weft-dlq-error-code',
  errorMessage: 'weft-dlq-error-message',
  errorStack: 'weft-dlq-error-stack',
  sourceTopic: 'weft-dlq-source-topic',
  sourcePartition: 'weft-dlq-source-partition',
  sourceOffset: 'weft-dlq-source-offset',
  consumerGroup: 'weft-dlq-consumer-group',
  failedAt: 'weft-dlq-failed-at',
  attempts: 'weft-dlq-attempts',
} as const;

export function isDeadLetterHeader(name: string): boolean {
  return name.startsWith('weft-dlq-');
}
