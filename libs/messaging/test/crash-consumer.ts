// A consumer process for the crash test: appends every value it handles to a file, slowly, until it is killed.
import { appendFileSync } from 'node:fs';
import { createKafka, MessageConsumer, MessageProducer } from '../src';

async function main(): Promise<void> {
  const [topic, groupId, outFile] = process.argv.slice(2);
  const kafka = createKafka({ clientId: 'crash-consumer', brokers: (process.env['KAFKA_BROKERS'] ?? '').split(',') });
  const producer = new MessageProducer(kafka);
  await producer.connect();
  const consumer = new MessageConsumer<string>(kafka, producer, {
    groupId,
    topics: [topic],
    maxBatchSize: 10,
    sessionTimeoutMs: 6_000,
    decode: (raw) => raw.value?.toString() ?? '',
    handle: async (messages) => {
      for (const m of messages) {
        appendFileSync(outFile, `${m.data}\n`);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    },
  });
  await consumer.start();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
