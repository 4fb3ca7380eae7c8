import { aRecord } from '../../test/avro-fixtures';
import { RunningRegistry } from '../../test/registry-app';
import { RegistryService } from './registry.service';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

describe(RegistryService.name, () => {
  let sut: RunningRegistry;

  beforeAll(async () => {
    sut = await RunningRegistry.start();
  });
  afterAll(() => sut?.stop());

  const v1 = aRecord().field('id', 'string').schema();
  const v2 = aRecord().field('id', 'string').optional('email', 'string').schema();
  const required = aRecord().field('id', 'string').field('email', 'string').schema();

  describe('registration', () => {
    it('gives a new schema an id and version 1, and serves it by id and by version', async () => {
      const registered = await sut.register('orders-value', v1);
      expect(registered).toMatchObject({ status: 200, contentType: expect.stringContaining(CONTENT_TYPE) });
      const { id } = registered.body;

      expect((await sut.get(`/schemas/ids/${id}`)).body).toEqual({ schema: JSON.stringify(v1) });
      expect((await sut.get('/subjects/orders-value/versions/latest')).body).toEqual({
        subject: 'orders-value',
        id,
        version: 1,
        schema: JSON.stringify(v1),
      });
      expect((await sut.get('/subjects/orders-value/versions/1')).body).toMatchObject({ id, version: 1 });
      expect((await sut.get('/subjects/orders-value/versions/1/schema')).body).toEqual(v1);
      expect((await sut.get(`/schemas/ids/${id}/versions`)).body).toEqual([{ subject: 'orders-value', version: 1 }]);
    });

    it('returns the same id and adds no version when the same schema is registered again, even reformatted', async () => {
      const first = await sut.register('repeat-value', v1);
      const reformatted = JSON.stringify({ fields: [{ type: 'string', name: 'id' }], namespace: 'io.weft.test', type: 'record', name: 'Event' }, null, 2);
      expect((await sut.register('repeat-value', v1)).body).toEqual(first.body);
      expect((await sut.register('repeat-value', reformatted)).body).toEqual(first.body);
      expect((await sut.get('/subjects/repeat-value/versions')).body).toEqual([1]);
    });

    it('reuses the global id when the same schema is registered under another subject', async () => {
      const first = await sut.register('shared-a-value', v2);
      const second = await sut.register('shared-b-value', v2);
      expect(second.body.id).toBe(first.body.id);
      expect((await sut.get('/subjects/shared-b-value/versions/latest')).body).toMatchObject({ id: first.body.id, version: 1 });
      expect((await sut.get(`/schemas/ids/${first.body.id}/versions`)).body).toEqual([
        { subject: 'shared-a-value', version: 1 },
        { subject: 'shared-b-value', version: 1 },
      ]);
    });

    it('adds a version for a backward-compatible change and refuses an incompatible one with 409', async () => {
      await sut.register('evolving-value', v1);
      const next = await sut.register('evolving-value', v2);
      expect(next.status).toBe(200);
      expect((await sut.get('/subjects/evolving-value/versions/latest')).body).toMatchObject({ id: next.body.id, version: 2 });

      const refused = await sut.register('evolving-value', { ...required, fields: [...required.fields, { name: 'age', type: 'int' }] } as object);
      expect(refused).toMatchObject({ status: 409, contentType: expect.stringContaining(CONTENT_TYPE), body: { error_code: 409 } });
      expect(refused.body.message).toMatch(/incompatible.*evolving-value.*BACKWARD/);
      expect((await sut.get('/subjects/evolving-value/versions')).body).toEqual([1, 2]);
    });

    it("refuses invalid Avro with 42201 and avsc's message", async () => {
      const res = await sut.register('invalid-value', { type: 'record', name: 'Broken', fields: [{ name: 'x', type: 'nope' }] });
      expect(res).toMatchObject({ status: 422, body: { error_code: 42201, message: expect.stringContaining('undefined type name: nope') } });
      expect((await sut.get('/subjects/invalid-value/versions')).body).toMatchObject({ error_code: 40401 });
    });

    it('refuses schema types other than AVRO and schema references with 42201', async () => {
      const protobuf = await sut.post('/subjects/proto-value/versions', { schema: 'syntax = "proto3";', schemaType: 'PROTOBUF' });
      expect(protobuf).toMatchObject({ status: 422, body: { error_code: 42201, message: expect.stringContaining('AVRO schemas only') } });
      const references = await sut.post('/subjects/refs-value/versions', {
        schema: JSON.stringify(v1),
        references: [{ name: 'x', subject: 'y', version: 1 }],
      });
      expect(references).toMatchObject({ status: 422, body: { error_code: 42201 } });
    });

    it('accepts application/json and application/vnd.schemaregistry+json request bodies, and refuses malformed JSON', async () => {
      const body = { schema: JSON.stringify(v1) };
      expect((await sut.post('/subjects/json-value/versions', body, 'application/json')).status).toBe(200);
      expect((await sut.post('/subjects/vnd-value/versions', body, 'application/vnd.schemaregistry+json')).status).toBe(200);
      const malformed = await sut.post('/subjects/json-value/versions', '{"schema": ', 'application/json');
      expect(malformed).toMatchObject({ status: 400, body: { error_code: 400 } });
    });

    it('gives one id and one version to concurrent registrations of the same new schema', async () => {
      const schema = aRecord('Concurrent').field('id', 'string').optional('n', 'long').schema();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => sut.register(i % 2 ? 'race-a-value' : 'race-b-value', schema)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect((await sut.get('/subjects/race-a-value/versions')).body).toEqual([1]);
      expect((await sut.get('/subjects/race-b-value/versions')).body).toEqual([1]);
    });
  });

  describe('lookup', () => {
    it('finds the version holding a schema, or answers 40403 / 40401', async () => {
      const { body } = await sut.register('lookup-value', v1);
      expect((await sut.post('/subjects/lookup-value', { schema: JSON.stringify(v1) })).body).toEqual({
        subject: 'lookup-value',
        id: body.id,
        version: 1,
        schema: JSON.stringify(v1),
      });
      expect((await sut.post('/subjects/lookup-value', { schema: JSON.stringify(required) })).body).toMatchObject({ error_code: 40403 });
      expect((await sut.post('/subjects/nobody-value', { schema: JSON.stringify(v1) })).body).toMatchObject({ error_code: 40401 });
    });
  });

  describe('reads', () => {
    it('lists subjects and answers 40401, 40402, 40403 and 42202 as Confluent does', async () => {
      await sut.register('listed-value', v1);
      const subjects = await sut.get('/subjects');
      expect(subjects.body).toEqual(expect.arrayContaining(['listed-value', 'orders-value']));
      expect([...subjects.body].sort()).toEqual(subjects.body);

      expect(await sut.get('/subjects/missing-value/versions/latest')).toMatchObject({ status: 404, body: { error_code: 40401 } });
      expect(await sut.get('/subjects/listed-value/versions/7')).toMatchObject({ status: 404, body: { error_code: 40402 } });
      expect(await sut.get('/schemas/ids/999999')).toMatchObject({ status: 404, body: { error_code: 40403 } });
      expect(await sut.get('/subjects/listed-value/versions/zero')).toMatchObject({ status: 422, body: { error_code: 42202 } });
      expect(await sut.get('/subjects/listed-value/versions/0')).toMatchObject({ status: 422, body: { error_code: 42202 } });
    });
  });

  describe('config', () => {
    it('defaults to BACKWARD, sets the global and subject levels, and refuses unknown levels with 42203', async () => {
      expect((await sut.get('/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
      expect(await sut.get('/config/configured-value')).toMatchObject({ status: 404, body: { error_code: 40408 } });
      expect((await sut.get('/config/configured-value?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });

      expect((await sut.put('/config/configured-value', { compatibility: 'FULL_TRANSITIVE' })).body).toEqual({ compatibility: 'FULL_TRANSITIVE' });
      expect((await sut.get('/config/configured-value')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
      expect(await sut.put('/config/configured-value', { compatibility: 'SIDEWAYS' })).toMatchObject({ status: 422, body: { error_code: 42203 } });

      expect((await sut.delete('/config/configured-value')).body).toEqual({ compatibilityLevel: 'FULL_TRANSITIVE' });
      expect((await sut.get('/config/configured-value')).status).toBe(404);
    });

    it('applies the subject level over the global one when registering', async () => {
      await sut.register('none-value', v1);
      await sut.register('forward-value', v1);
      await sut.register('backward-value', v1);
      await sut.put('/config/none-value', { compatibility: 'NONE' });
      await sut.put('/config/forward-value', { compatibility: 'FORWARD' });
      const changedType = aRecord().field('id', 'long').schema();

      expect((await sut.register('none-value', changedType)).status).toBe(200);
      // Adding a required field breaks BACKWARD but not FORWARD.
      expect((await sut.register('forward-value', required)).status).toBe(200);
      expect((await sut.register('backward-value', required)).status).toBe(409);
    });

    it('applies the global level to subjects without their own', async () => {
      await sut.register('global-level-value', v1);
      try {
        expect((await sut.put('/config', { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
        expect((await sut.register('global-level-value', required)).status).toBe(200);
      } finally {
        await sut.put('/config', { compatibility: 'BACKWARD' });
      }
    });
  });

  describe('compatibility checks', () => {
    it('answers is_compatible against the latest version or a given one, without registering', async () => {
      await sut.register('check-value', v1);
      const check = (version: string, schema: object, query = '') =>
        sut.post(`/compatibility/subjects/check-value/versions/${version}${query}`, { schema: JSON.stringify(schema) });

      expect((await check('latest', v2)).body).toEqual({ is_compatible: true });
      expect((await check('1', required)).body).toEqual({ is_compatible: false });
      const verbose = await check('latest', required, '?verbose=true');
      expect(verbose.body).toEqual({ is_compatible: false, messages: [expect.stringContaining('email')] });
      expect((await check('9', v2)).body).toMatchObject({ error_code: 40402 });
      expect((await sut.get('/subjects/check-value/versions')).body).toEqual([1]);
    });
  });

  describe('deletion', () => {
    it('soft-deletes a version, then deletes it permanently, as Confluent does', async () => {
      await sut.register('versions-del-value', v1);
      await sut.register('versions-del-value', v2);

      expect(await sut.delete('/subjects/versions-del-value/versions/2?permanent=true')).toMatchObject({ status: 404, body: { error_code: 40407 } });
      expect((await sut.delete('/subjects/versions-del-value/versions/2')).body).toBe(2);
      expect((await sut.get('/subjects/versions-del-value/versions')).body).toEqual([1]);
      expect((await sut.get('/subjects/versions-del-value/versions?deleted=true')).body).toEqual([1, 2]);
      expect((await sut.get('/subjects/versions-del-value/versions/latest')).body).toMatchObject({ version: 1 });
      expect(await sut.delete('/subjects/versions-del-value/versions/2')).toMatchObject({ status: 404, body: { error_code: 40406 } });

      expect((await sut.delete('/subjects/versions-del-value/versions/2?permanent=true')).body).toBe(2);
      expect((await sut.get('/subjects/versions-del-value/versions?deleted=true')).body).toEqual([1]);
    });

    it('soft-deletes a subject, keeps its schemas readable by id, and deletes it permanently only after that', async () => {
      const { body } = await sut.register('subject-del-value', v1);
      await sut.register('subject-del-value', v2);

      expect(await sut.delete('/subjects/subject-del-value?permanent=true')).toMatchObject({ status: 404, body: { error_code: 40405 } });
      expect((await sut.delete('/subjects/subject-del-value')).body).toEqual([1, 2]);
      expect((await sut.get('/subjects')).body).not.toContain('subject-del-value');
      expect((await sut.get('/subjects?deleted=true')).body).toContain('subject-del-value');
      expect((await sut.get('/subjects/subject-del-value/versions')).body).toMatchObject({ error_code: 40401 });
      expect((await sut.get(`/schemas/ids/${body.id}`)).status).toBe(200);
      expect(await sut.delete('/subjects/subject-del-value')).toMatchObject({ status: 404, body: { error_code: 40404 } });

      expect((await sut.delete('/subjects/subject-del-value?permanent=true')).body).toEqual([1, 2]);
      expect((await sut.get('/subjects?deleted=true')).body).not.toContain('subject-del-value');
      expect(await sut.delete('/subjects/subject-del-value')).toMatchObject({ status: 404, body: { error_code: 40401 } });
    });

    it('starts a deleted subject afresh: no compatibility check against soft-deleted versions, same id for the same schema', async () => {
      const { body } = await sut.register('reborn-value', v1);
      await sut.delete('/subjects/reborn-value');
      expect((await sut.register('reborn-value', required)).status).toBe(200);
      expect((await sut.get('/subjects/reborn-value/versions/latest')).body).toMatchObject({ version: 2 });
      await sut.put('/config/reborn-value', { compatibility: 'NONE' });
      expect((await sut.register('reborn-value', v1)).body).toEqual({ id: body.id });
      expect((await sut.get('/subjects/reborn-value/versions')).body).toEqual([2, 3]);
    });
  });
});
