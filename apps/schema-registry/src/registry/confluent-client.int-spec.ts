import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { aRecord, type RecordSchema } from '../../test/avro-fixtures';
import { RunningRegistry } from '../../test/registry-app';

/** Acceptance: the Confluent client that Kafka producers and consumers use in the wild works against this registry. */
describe(`${SchemaRegistry.name} (@kafkajs/confluent-schema-registry) against the registry`, () => {
  let registry: RunningRegistry;
  const client = () => new SchemaRegistry({ host: registry.url, retry: { retries: 0 } });

  beforeAll(async () => {
    registry = await RunningRegistry.start();
  });
  afterAll(() => registry?.stop());

  const subject = 'io.weft.test.Order-value';
  const v1 = aRecord('Order').field('orderId', 'string').field('total', 'double').schema();
  const v2 = aRecord('Order').field('orderId', 'string').field('total', 'double').optional('currency', 'string').schema();
  const avro = (schema: RecordSchema) => ({ type: SchemaType.AVRO as const, schema: JSON.stringify(schema) });

  it('registers, fetches, encodes and decodes', async () => {
    const sut = client();
    const { id } = await sut.register(avro(v1), { subject });
    expect(id).toBeGreaterThan(0);

    const encoded = await sut.encode(id, { orderId: 'o-1', total: 159 });
    expect(encoded[0]).toBe(0);
    expect(encoded.readUInt32BE(1)).toBe(id);

    // A second client has nothing cached: it fetches the writer schema by id from the registry.
    const reader = client();
    expect(await reader.decode(encoded)).toEqual({ orderId: 'o-1', total: 159 });
    expect(await reader.getLatestSchemaId(subject)).toBe(id);
    expect(await reader.getRegistryIdBySchema(subject, avro(v1))).toBe(id);
    expect(await reader.getSchema(id)).toMatchObject({ name: 'io.weft.test.Order' });
  });

  it('returns the same id when a schema is registered again', async () => {
    const { id } = await client().register(avro(v1), { subject });
    expect((await client().register(avro(v1), { subject })).id).toBe(id);
    expect((await registry.get(`/subjects/${subject}/versions`)).body).toEqual([1]);
  });

  it('evolves a subject with a backward-compatible schema, decoding old data with the new reader', async () => {
    const sut = client();
    const old = await sut.encode((await sut.register(avro(v1), { subject })).id, { orderId: 'o-2', total: 10 });
    const { id } = await sut.register(avro(v2), { subject });
    expect(await sut.getLatestSchemaId(subject)).toBe(id);
    expect(await client().decode(old, { [SchemaType.AVRO]: { readerSchema: v2 as never } })).toEqual({
      orderId: 'o-2',
      total: 10,
      currency: null,
    });
  });

  it('refuses a backward-incompatible change with HTTP 409 and error_code 409', async () => {
    const incompatible = aRecord('Order').field('orderId', 'string').field('total', 'string').schema();
    await expect(client().register(avro(incompatible), { subject, compatibility: COMPATIBILITY.BACKWARD })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('incompatible'),
    });
    const raw = await registry.register(subject, incompatible);
    expect(raw).toMatchObject({ status: 409, body: { error_code: 409 } });
  });
});
