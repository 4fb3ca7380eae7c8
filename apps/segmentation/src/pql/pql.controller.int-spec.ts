import { loadPqlCases } from '../../test/pql-cases';
import { RunningSegmentation } from '../../test/segmentation-app';
import { PqlController } from './pql.controller';

describe(PqlController.name, () => {
  let sut: RunningSegmentation;

  beforeAll(async () => {
    sut = await RunningSegmentation.start();
  }, 60_000);
  afterAll(() => sut?.stop());

  describe('POST /v1/pql/evaluate over the reference cases', () => {
    const cases = loadPqlCases().map((c) => ({ ...c, title: c.expression.replace(/\s+/g, ' ').slice(0, 100) }));

    it('has the whole reference', () => {
      expect(cases.length).toBeGreaterThan(200);
    });

    it.each(cases)('$id: $title', async (c) => {
      const res = await sut.post('/v1/pql/evaluate', { expression: c.expression, profile: c.profile, events: c.events, now: c.now });

      expect(res.status).toBe(200);
      if (typeof c.expected === 'boolean') expect(res.body.qualifies).toBe(c.expected);
      else expect(res.body.value).toEqual(c.expected);
      if (c.method !== undefined) expect(res.body.method).toBe(c.method);
    });
  });

  describe('unreadable expressions', () => {
    it.each([
      ['a missing operand', 'person.age >', 1, 13],
      ['an unterminated string on the second line (at its end)', 'homeAddress.countryISO = "US"\n  and person.name = "Jo', 2, 24],
      ['a stray token on the third line', 'person.age > 3\nand\n  person.age < ) 5', 3, 16],
    ])('answers 400 pointing at %s', async (_what, expression, line, column) => {
      const res = await sut.post('/v1/pql/evaluate', { expression, profile: {}, events: [], now: '2025-01-01T00:00:00Z' });

      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'pql_syntax_error', message: expect.stringContaining(`line ${line}, column ${column}`) });
      expect(res.body.error.details[0]).toMatchObject({ path: 'expression', line, column, message: expect.stringContaining('expected') });
    });

    it('answers 400 naming the field when the body is malformed', async () => {
      const res = await sut.post('/v1/pql/evaluate', { profile: {} });

      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ path: 'expression' })] });
    });
  });

  it('requires the API key', async () => {
    const res = await fetch(`${sut.url}/v1/pql/evaluate`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });

    expect(res.status).toBe(401);
  });
});
