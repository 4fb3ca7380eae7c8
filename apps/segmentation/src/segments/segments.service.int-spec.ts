import { expectEventually } from '@weft/testing';
import { aProfileChange } from '../../test/profile-change.factory';
import { RunningSegmentation } from '../../test/segmentation-app';
import { SegmentsService } from './segments.service';

const RECENT_CHECKOUT = 'select X from xEvent where X.eventType = "commerce.checkouts" and X.timestamp occurs <= 24 hours before now';

describe(SegmentsService.name, () => {
  let sut: RunningSegmentation;

  beforeAll(async () => {
    sut = await RunningSegmentation.start();
  }, 60_000);
  afterAll(() => sut?.stop());

  describe('definitions', () => {
    it('creates, reads, changes and deletes a segment, assigning its evaluation method from the expression', async () => {
      const created = await sut.post('/v1/segments', { name: 'Gold members', expression: 'loyalty.tier = "gold"', mergePolicyId: 'default' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name: 'Gold members', evaluationMethod: 'edge', timeBound: false, dependsOn: [], mergePolicyId: 'default' });

      const id = created.body.id as string;
      expect((await sut.get(`/v1/segments/${id}`)).body).toEqual(created.body);

      const changed = await sut.patch(`/v1/segments/${id}`, { expression: 'xEvent[eventType = "commerce.purchases"].count() > 2' });
      expect(changed).toMatchObject({ status: 200, body: { name: 'Gold members', evaluationMethod: 'batch', revision: 2 } });

      expect((await sut.delete(`/v1/segments/${id}`)).status).toBe(204);
      expect((await sut.get(`/v1/segments/${id}`)).status).toBe(404);
    });

    it.each([
      ['profile attributes', 'person.birthYear > 1980', 'edge', false],
      ['one event in the last 24 hours', RECENT_CHECKOUT, 'edge', true],
      [
        'an ordered sequence of events today',
        'CHAIN(xEvent, timestamp, [A: WHAT(eventType = "view") WHEN(today), B: WHAT(eventType = "cart") WHEN(today)])',
        'streaming',
        true,
      ],
      ['an event over a week', 'select X from xEvent where X.timestamp occurs < 7 days before now', 'batch', true],
    ])('assigns the method of %s', async (_what, expression, method, timeBound) => {
      const res = await sut.post('/v1/segments', { name: `method ${expression}`, expression });

      expect(res.body).toMatchObject({ evaluationMethod: method, timeBound });
    });

    it('refuses an unreadable expression with the line and column of the problem', async () => {
      const res = await sut.post('/v1/segments', { name: 'broken', expression: 'person.age > 30 and\n  (homeAddress.city = "Paris"' });

      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('pql_syntax_error');
      expect(res.body.error.details[0]).toMatchObject({ path: 'expression', line: 2, column: 30 });
      expect((await sut.get('/v1/segments')).body.map((s: { name: string }) => s.name)).not.toContain('broken');
    });

    it('refuses a missing name, a duplicate name and an unknown referenced segment', async () => {
      await sut.defineSegment('unique name', 'person.age > 1');

      expect((await sut.post('/v1/segments', { expression: 'person.age > 1' })).body.error).toMatchObject({
        code: 'validation_failed',
        details: [expect.objectContaining({ path: 'name' })],
      });
      expect((await sut.post('/v1/segments', { name: 'unique name', expression: 'true' })).status).toBe(409);
      const unknown = await sut.post('/v1/segments', { name: 'dangling', expression: 'inSegment("00000000-0000-0000-0000-000000000000")' });
      expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'unknown_segment_reference' } } });
    });
  });

  describe('segments of segments', () => {
    it('lists segments after the segments they reference, and derives methods through references', async () => {
      const us = await sut.defineSegment('sos: US', 'homeAddress.countryISO = "US"');
      const frequent = await sut.defineSegment('sos: frequent buyers', 'xEvent[eventType = "commerce.purchases"].count() > 3');
      const usVip = await sut.defineSegment('sos: US VIP', `inSegment("${us}") and person.age > 30`);
      const mixed = await sut.defineSegment('sos: US VIP frequent', `inSegment("${usVip}") and inSegment("${frequent}")`);

      const listed = (await sut.get('/v1/segments')).body as { id: string; evaluationOrder: number; dependsOn: string[]; evaluationMethod: string }[];
      const position = (id: string) => listed.findIndex((s) => s.id === id);
      expect(position(us)).toBeLessThan(position(usVip));
      expect(position(usVip)).toBeLessThan(position(mixed));
      expect(position(frequent)).toBeLessThan(position(mixed));
      expect(listed.map((s) => s.evaluationOrder)).toEqual(listed.map((_, i) => i));
      expect(listed[position(mixed)]).toMatchObject({ dependsOn: [usVip, frequent], evaluationMethod: 'edge' });
    });

    it('refuses a change that would close a cycle, and keeps the definitions as they were', async () => {
      const a = await sut.defineSegment('cycle: a', 'person.age > 10');
      const b = await sut.defineSegment('cycle: b', `inSegment("${a}")`);
      const c = await sut.defineSegment('cycle: c', `inSegment("${b}")`);

      const refused = await sut.patch(`/v1/segments/${a}`, { expression: `inSegment("${c}")` });

      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'segment_cycle', message: expect.stringContaining(`${a} -> ${c} -> ${b} -> ${a}`) });
      expect((await sut.get(`/v1/segments/${a}`)).body.expression).toBe('person.age > 10');
      const self = await sut.patch(`/v1/segments/${a}`, { expression: `inSegment("${a}")` });
      expect(self).toMatchObject({ status: 409, body: { error: { code: 'segment_cycle' } } });
    });

    it('refuses to delete a segment other segments reference', async () => {
      const base = await sut.defineSegment('in use: base', 'person.age > 10');
      const user = await sut.defineSegment('in use: user', `inSegment("${base}")`);

      expect((await sut.delete(`/v1/segments/${base}`)).body.error).toMatchObject({ code: 'segment_in_use', message: expect.stringContaining(user) });
      expect((await sut.delete(`/v1/segments/${user}`)).status).toBe(204);
      expect((await sut.delete(`/v1/segments/${base}`)).status).toBe(204);
    });

    it('re-derives a dependent segment method when a referenced segment changes', async () => {
      const base = await sut.defineSegment('rederive: base', 'person.age > 10');
      const dependent = await sut.defineSegment('rederive: dependent', `inSegment("${base}") and ${RECENT_CHECKOUT}`);
      expect((await sut.get(`/v1/segments/${dependent}`)).body.evaluationMethod).toBe('edge');

      await sut.patch(`/v1/segments/${base}`, { expression: RECENT_CHECKOUT });

      // An event condition with inSegment is edge only when every referenced audience is profile-only.
      expect((await sut.get(`/v1/segments/${dependent}`)).body.evaluationMethod).toBe('streaming');
    });
  });

  describe('preview', () => {
    it('estimates the size and shows qualifying profiles from the profile store', async () => {
      const run = Date.now().toString(36);
      const changes = Array.from({ length: 200 }, (_, i) =>
        aProfileChange(`preview-${run}-${String(i).padStart(3, '0')}`).withAttributes({ preview: { run, score: i } }).build(),
      );
      await sut.publish(...changes);
      await expectEventually(async () => {
        const [row] = await sut.sql<{ n: string }>(`SELECT count(*) AS n FROM profile_snapshots WHERE profile_id LIKE $1`, [`preview-${run}-%`]);
        expect(Number(row!.n)).toBe(200);
      });
      const id = await sut.defineSegment(`preview ${run}`, `preview.run = "${run}" and preview.score < 50`);

      const res = await sut.post(`/v1/segments/${id}/preview`);

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ estimatedSize: 50, matchedProfiles: 50, sampledProfiles: res.body.totalProfiles });
      expect(res.body.sample).toHaveLength(20);
      expect(res.body.sample[0]).toMatchObject({
        profileId: expect.stringMatching(`^preview-${run}-0[0-4]`),
        identities: [expect.objectContaining({ namespace: 'Email' })],
        attributes: { preview: { run } },
      });
    });
  });
});
