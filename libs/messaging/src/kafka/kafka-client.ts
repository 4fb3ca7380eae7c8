import { Kafka, logLevel, type LogEntry } from 'kafkajs';

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  /** Receives kafkajs log entries at warn level and above; defaults to stderr. */
  log?: (level: 'error' | 'warn', message: string, extra: Record<string, unknown>) => void;
}

/** The one place that builds the kafkajs client, so the client library can be swapped without touching services. */
export function createKafka({ clientId, brokers, log }: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 100, retries: 8 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...extra } = entry;
        // Retries are bounded on purpose: a send that cannot be acknowledged must fail instead of hanging its caller.
        if (message.startsWith('Limiting retries for the idempotent producer')) return;
        const lvl = level === logLevel.ERROR ? 'error' : 'warn';
        if (log) log(lvl, message, extra);
        else process.stderr.write(`${JSON.stringify({ level: lvl, msg: message, ...extra })}\n`);
      },
  });
}
