// Per-stage cost of one message on the ingestion hot path, in CPU microseconds per message, measured in this process:
//   node -r @swc-node/register apps/ingestion/bench/stages.bench.ts   (BENCH_MESSAGES, BENCH_KAFKA=0 to skip the broker)
// The stages are the steps DocumentValidator.validate and the inlets take, timed separately with the same code and
// data as the service (the bench web event of ingest.bench.ts, the standard experience-event field groups), then the
// whole validate() and the Kafka send of the encoded envelopes through Weft's MessageProducer (idempotent kafkajs).
// CPU time, not wall time, so the figures hold on a loaded machine.
import { Type } from 'avsc';
import { checkIdentity, DEFAULT_GRAPH_LIMITS, GraphConfig } from '@weft/identity-graph';
import { MessagingClient, type TopicContract } from '@weft/messaging';
import { benchInfra, uniqueName } from '@weft/testing';
import { extractIdentities, formatIdentityKey, fromAvro, parseAvroSchema, topics, xdmReaderFor, type IngestEnvelope } from '@weft/xdm';
import { aDataset } from '../test/factories';
import { ecidFor } from '../test/generate-csv';
import { DocumentValidator, isJsonLd } from '../src/ingest/document-validator';
import { toAvroSchema } from '../src/xdm-schemas/avro-schema';

const N = Number(process.env['BENCH_MESSAGES'] ?? 20_000);
const KAFKA = process.env['BENCH_KAFKA'] !== '0';

function event(i: number) {
  return {
    _id: `stage-${i}`,
    timestamp: '2026-01-01T00:00:00Z',
    eventType: 'web.webpagedetails.pageViews',
    identityMap: { ECID: [{ id: ecidFor(i) }], Email: [{ id: `user${i % 50_000}@example.com` }] },
    web: { webPageDetails: { name: `page-${i % 97}`, URL: `https://example.com/p/${i % 97}`, pageViews: { value: 1 } } },
    environment: { type: 'browser', browserDetails: { name: 'Chrome', version: '120' } },
  };
}

/** CPU microseconds per item of `fn` over `items`: the best of three passes after a warm-up (other load only adds). */
function cpuPerItem<T>(items: T[], fn: (item: T) => unknown): number {
  for (const item of items) fn(item);
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const before = process.cpuUsage();
    for (const item of items) fn(item);
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / items.length);
  }
  return best;
}

async function main(): Promise<void> {
  const dataset = aDataset({ id: 'bench-web' });
  const validator = new DocumentValidator();
  const ctx = { source: 'http' as const, receivedAt: Date.now() };
  const docs = Array.from({ length: N }, (_, i) => event(i));
  const body = JSON.stringify({ messages: docs.slice(0, 1000) });
  const bodies = Array.from({ length: Math.ceil(N / 1000) }, () => body);
  const identityRules = new GraphConfig([], DEFAULT_GRAPH_LIMITS);
  const envelopes = docs.map((d) => {
    const result = validator.validate(structuredClone(d), dataset, ctx);
    if (!result.ok) throw new Error(`the bench event is invalid: ${JSON.stringify(result.errors)}`);
    return result.envelope;
  });
  const envelopeType = topics.ingestAccepted.valueType;
  const encoded = envelopes.map((e) => envelopeType.toBuffer(e));
  const datasetAvro = parseAvroSchema(toAvroSchema(dataset.schema.definition, dataset.schema.root) as never);
  const avroDocs = docs.map((d) =>
    datasetAvro.toBuffer(datasetAvro.clone({ ...d, timestamp: Date.parse(d.timestamp) }, { wrapUnions: false } as never)),
  );

  const stages: Record<string, number> = {
    'HTTP body JSON.parse (1,000 per body)': cpuPerItem(bodies, (b) => JSON.parse(b)) / 1000,
    'Kafka inlet Avro decode (avsc fromBuffer)': cpuPerItem(avroDocs, (b) => datasetAvro.fromBuffer(b)),
    'Kafka inlet fromAvro (to XDM JSON)': cpuPerItem(
      avroDocs.map((b) => datasetAvro.fromBuffer(b)),
      (v) => fromAvro(datasetAvro as Type, v),
    ),
    'Kafka inlet xdmReaderFor (Avro straight to XDM JSON)': cpuPerItem(avroDocs, xdmReaderFor(datasetAvro)),
    'JSON-LD check (isJsonLd)': cpuPerItem(docs, (d) => isJsonLd(d)),
    'Ajv validate': cpuPerItem(docs, (d) => dataset.schema.validate(d)),
    'identities: extractIdentities': cpuPerItem(docs, (d) => extractIdentities(d)),
    'identities: graph rules (checkIdentity)': cpuPerItem(
      docs.map((d) => extractIdentities(d).identities),
      (ids) => ids.map((identity) => checkIdentity(identity, identityRules)),
    ),
    'payload JSON.stringify + byteLength': cpuPerItem(docs, (d) => Buffer.byteLength(JSON.stringify(d))),
    'validate() in all (envelope built)': cpuPerItem(docs, (d) => validator.validate(d, dataset, ctx)),
    'Kafka key (formatIdentityKey)': cpuPerItem(envelopes, (e) => formatIdentityKey(e.primaryIdentity!)),
    'Avro encode of the envelope': cpuPerItem(envelopes, (e) => envelopeType.toBuffer(e)),
  };

  if (KAFKA) {
    const infra = await benchInfra();
    const messaging = new MessagingClient({ clientId: 'ingestion-stages-bench', brokers: infra.kafkaBrokers, schemaRegistryUrl: infra.schemaRegistryUrl });
    const contract: TopicContract<IngestEnvelope> = { name: uniqueName('bench-ingestion-stages'), partitions: topics.ingestAccepted.partitions, valueType: envelopeType };
    try {
      await messaging.connect();
      await messaging.provision([contract]);
      const send = async () => {
        const chunks: Promise<void>[] = [];
        for (let i = 0; i < encoded.length; i += 1000) {
          const slice = envelopes.slice(i, i + 1000);
          const messages = slice.map((e, j) => ({ key: formatIdentityKey(e.primaryIdentity!), value: encoded[i + j] }));
          chunks.push(messaging.producer.send(contract.name, messages));
        }
        await Promise.all(chunks);
      };
      await send();
      const before = process.cpuUsage();
      const t0 = performance.now();
      await send();
      const used = process.cpuUsage(before);
      const wall = performance.now() - t0;
      stages['Kafka send (MessageProducer, 1,000 per call)'] = (used.user + used.system) / encoded.length;
      console.log(`Kafka send: ${Math.round(encoded.length / (wall / 1000))} messages/s wall clock, ${(encoded[0].length + 5)} bytes each`);
    } finally {
      const admin = messaging.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [contract.name] }).catch(() => undefined);
      await admin.disconnect();
      await messaging.close();
      await infra.stop();
    }
  }

  console.log(`\nCPU µs per message (${N.toLocaleString('en')} bench web events, one core)`);
  console.table(Object.entries(stages).map(([stage, us]) => ({ stage, 'µs/message': Number(us.toFixed(2)) })));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
