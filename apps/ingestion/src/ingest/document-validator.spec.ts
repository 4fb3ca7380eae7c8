import { aDataset, aProfile, anEvent, ECID, loadExample } from '../../test/factories';
import { DocumentValidator, type ValidationResult } from './document-validator';

const ctx = { source: 'http' as const, receivedAt: Date.parse('2026-02-01T00:00:00Z') };

function codes(result: ValidationResult): string[] {
  return result.ok ? [] : result.errors.map((e) => e.code);
}

describe(DocumentValidator.name, () => {
  const sut = new DocumentValidator();
  const events = aDataset();
  const strictEvents = aDataset({ strict: true });
  const profiles = aDataset({ class: 'profile' });

  it('accepts a valid event and keys it by its ECID', () => {
    const result = sut.validate(anEvent(), events, ctx);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.envelope).toMatchObject({
      id: 'evt-1',
      datasetId: 'ds-test',
      kind: 'event',
      timestamp: Date.parse('2026-01-02T03:04:05Z'),
      receivedAt: ctx.receivedAt,
      primaryIdentity: { namespace: 'ECID', id: ECID },
      source: 'http',
    });
    expect(JSON.parse(result.envelope.payload)).toEqual(anEvent());
  });

  it('prefers the identity marked primary, then ECID, then CRMID, Email and Phone', () => {
    const marked = sut.validate(aProfile(), profiles, ctx);
    const ranked = sut.validate(
      aProfile({ identityMap: { Phone: [{ id: '+33123' }], Email: [{ id: 'a@b.c' }], CRMID: [{ id: 'c1' }] } }),
      profiles,
      ctx,
    );
    expect(marked.ok && marked.envelope.primaryIdentity).toEqual({ namespace: 'CRMID', id: 'crm-1' });
    expect(ranked.ok && ranked.envelope.primaryIdentity).toEqual({ namespace: 'CRMID', id: 'c1' });
  });

  it('names the path and the rule of a wrong type', () => {
    const result = sut.validate(anEvent({ web: { webPageDetails: { pageViews: { value: 'one' } } } }), events, ctx);
    expect(result).toEqual({
      ok: false,
      id: 'evt-1',
      errors: [{ path: 'web.webPageDetails.pageViews.value', code: 'TYPE_MISMATCH', message: 'web.webPageDetails.pageViews.value must be number' }],
    });
  });

  it('refuses unknown fields only in strict schemas', () => {
    expect(codes(sut.validate(anEvent({ surprise: 1 }), strictEvents, ctx))).toEqual(['UNKNOWN_FIELD']);
    expect(sut.validate(anEvent({ surprise: 1 }), events, ctx).ok).toBe(true);
  });

  it('requires _id and timestamp on events but not on records', () => {
    const { _id, timestamp: _timestamp, ...bare } = anEvent();
    expect(codes(sut.validate(bare, events, ctx))).toEqual(['MISSING_ID', 'MISSING_TIMESTAMP']);
    const { _id: _rid, ...record } = aProfile();
    const accepted = sut.validate(record, profiles, ctx);
    expect(accepted.ok && accepted.envelope.timestamp).toBe(ctx.receivedAt);
  });

  it('gives a record without _id the same id every time it is sent', () => {
    const { _id, ...record } = aProfile();
    const a = sut.validate(record, profiles, ctx);
    const b = sut.validate(structuredClone(record), profiles, { ...ctx, receivedAt: ctx.receivedAt + 1 });
    expect(a.ok && b.ok && a.envelope.id).toBe(b.ok && b.envelope.id);
  });

  it('refuses events over 10 KB and records over 100 KB', () => {
    expect(codes(sut.validate(anEvent({ eventType: 'x'.repeat(11_000) }), events, ctx))).toEqual(['EVENT_TOO_LARGE']);
    expect(sut.validate(aProfile({ personID: 'x'.repeat(50_000) }), profiles, ctx).ok).toBe(true);
    expect(codes(sut.validate(aProfile({ personID: 'x'.repeat(103_000) }), profiles, ctx))).toEqual(['RECORD_TOO_LARGE']);
  });

  it('refuses more than 20 identities', () => {
    const identityMap = { CRMID: Array.from({ length: 21 }, (_, i) => ({ id: `c${i}` })) };
    expect(codes(sut.validate(aProfile({ identityMap }), profiles, ctx))).toEqual(['RECORD_TOO_MANY_IDENTITIES']);
  });

  it('refuses ECIDs that are not 38 digits, unless the dataset allows legacy ECIDs', () => {
    const event = anEvent({ identityMap: { ECID: [{ id: '1234' }] } });
    const result = sut.validate(event, events, ctx);
    expect(codes(result)).toEqual(['IDENTITY_INVALID_ECID']);
    expect(!result.ok && result.errors[0].path).toBe('identityMap.ECID[0].id');
    expect(sut.validate(event, aDataset({}, { validateEcid: false }), ctx).ok).toBe(true);
  });

  it.each(['', '  ', 'null', 'anonymous', 'INVALID', 'undefined'])('refuses the placeholder identity value %j', (value) => {
    const result = sut.validate(aProfile({ identityMap: { Email: [{ id: value }] } }), profiles, ctx);
    expect(codes(result)).toEqual(['IDENTITY_BLOCKED_VALUE']);
  });

  it('reads identities from fields marked as identity and honours their primary flag', () => {
    const dataset = aDataset({
      class: 'profile',
      customFields: { loyaltyNumber: { type: 'string', identity: { namespace: 'LOYALTY', primary: true }, labels: ['I1'] } },
    });
    const result = sut.validate(aProfile({ identityMap: { Email: [{ id: 'a@b.c' }] }, _acme: { loyaltyNumber: 'L-1' } }), dataset, ctx);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(result.envelope.identities).toEqual([
      { namespace: 'Email', id: 'a@b.c', authenticatedState: 'ambiguous', primary: false },
      { namespace: 'LOYALTY', id: 'L-1', authenticatedState: 'ambiguous', primary: true },
    ]);
    expect(result.envelope.primaryIdentity).toEqual({ namespace: 'LOYALTY', id: 'L-1' });
  });

  it('refuses a message that is not an object', () => {
    expect(codes(sut.validate([1, 2], events, ctx))).toEqual(['NOT_AN_OBJECT']);
  });

  it('converts CSV strings to the field types when asked to coerce', () => {
    const event = anEvent({ web: { webPageDetails: { pageViews: { value: '2' } } } });
    const result = sut.validate(event, events, { ...ctx, coerce: true });
    expect(result.ok && JSON.parse(result.envelope.payload).web.webPageDetails.pageViews.value).toBe(2);
  });

  describe('XDM class examples (JSON-LD form)', () => {
    const legacyEcids = { validateEcid: false };

    it('accepts profile.example.1 with its ECID and EMAIL identities', () => {
      const result = sut.validate(loadExample('profile.example.1.json'), aDataset({ class: 'profile' }, legacyEcids), ctx);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      expect(result.envelope.identities.map((i) => `${i.namespace}:${i.id}`)).toEqual(['ECID:92312748749128', 'EMAIL:jane@doe.com']);
      expect(result.envelope.primaryIdentity).toEqual({ namespace: 'ECID', id: '92312748749128' });
      expect(JSON.parse(result.envelope.payload).person.name.firstName).toBe('Jane');
    });

    it.each([
      ['experienceevent.example.1.json', ['ECID:92312748749128', 'AAID:2394509340-30453470347', 'TNTID:1233ce17-20e0-4a2c-8198-2a77fd60cf4d']],
      ['experienceevent.example.2.json', ['ECID:92312748749128', 'AVID:2394509340-30453470347']],
      ['experienceevent.example.3.json', ['ECID:92312748749128']],
    ])('accepts %s with namespace URIs resolved and ECID primary', (name, identities) => {
      const result = sut.validate(loadExample(name), aDataset({}, legacyEcids), ctx);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      expect(result.envelope.identities.map((i) => `${i.namespace}:${i.id}`)).toEqual(identities);
      expect(result.envelope.primaryIdentity).toEqual({ namespace: 'ECID', id: '92312748749128' });
      expect(result.envelope.id).toMatch(/^https:\/\/data\.adobe\.io\/experienceid-/);
    });

    it('refuses the examples in a dataset that requires 38-digit ECIDs', () => {
      expect(codes(sut.validate(loadExample('experienceevent.example.2.json'), events, ctx))).toEqual(['IDENTITY_INVALID_ECID']);
    });
  });
});
