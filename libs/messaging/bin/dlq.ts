// npm run dlq -- list <consumer group> [limit]
// npm run dlq -- replay <consumer group> [<partition>:<offset> ...]
// Inspects or replays the dead-letter topic weft.dlq.<group>.v1 (KAFKA_BROKERS, default 127.0.0.1:9092).
import { createKafka, MessageProducer, readDeadLetters, replayDeadLetters } from '../src';

async function main(): Promise<void> {
  const [command, groupId, ...rest] = process.argv.slice(2);
  if (!groupId || (command !== 'list' && command !== 'replay')) {
    console.error('usage: npm run dlq -- list <consumer group> [limit] | replay <consumer group> [<partition>:<offset> ...]');
    process.exit(2);
  }
  const kafka = createKafka({ clientId: 'weft-dlq', brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',') });
  if (command === 'list') {
    for (const l of await readDeadLetters(kafka, groupId, rest[0] ? Number(rest[0]) : 1_000)) {
      console.log(
        JSON.stringify({
          at: `${l.partition}:${l.offset}`,
          source: l.source,
          error: { code: l.error.code, message: l.error.message, attempts: l.error.attempts, failedAt: l.error.failedAt },
          key: l.key?.toString(),
          bytes: l.value?.length ?? 0,
        }),
      );
    }
    return;
  }
  const producer = new MessageProducer(kafka);
  await producer.connect();
  try {
    const count = await replayDeadLetters(kafka, producer, groupId, { offsets: rest.length ? rest : undefined });
    console.log(`replayed ${count} dead letter(s) of ${groupId} to their source topics`);
  } finally {
    await producer.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
