import { fromAvro, toAvro } from './convert';
import { envelopeContracts, xdmContracts } from './contracts';
import { XdmValidationError, type XdmIssue } from '../errors';

const event = xdmContracts.experienceEvent.type;
const profile = xdmContracts.individualProfile.type;

function issuesOf(run: () => unknown): Array<[string, string]> {
  try {
    run();
  } catch (error) {
    if (error instanceof XdmValidationError) return error.issues.map((i: XdmIssue) => [i.path, i.code]);
    throw error;
  }
  throw new Error('expected an XdmValidationError');
}

describe(toAvro.name, () => {
  const sut = toAvro;

  it('turns date-time strings into epoch millis and fills optional fields with their defaults', () => {
    const { value } = sut<any>(event, {
      _id: 'ev-1',
      timestamp: '2024-05-15T11:58:12.345+02:00',
      identityMap: { ECID: [{ id: 'e-1' }] },
    });

    expect(value.timestamp).toBe(Date.UTC(2024, 4, 15, 9, 58, 12, 345));
    expect(value.eventType).toBeNull();
    expect(value.identityMap).toEqual({
      ECID: [{ id: 'e-1', authenticatedState: 'ambiguous', primary: false }],
    });
    expect(event.isValid(value)).toBe(true);
  });

  it('accepts epoch millis for timestamps and YYYY-MM-DD for dates', () => {
    const { value } = sut<any>(profile, {
      person: { birthDate: '1990-02-01' },
      loyalty: { joinDate: 1_700_000_000_000 },
    });

    expect(value.person.birthDate).toBe(Date.UTC(1990, 1, 1) / 86_400_000);
    expect(value.loyalty.joinDate).toBe(1_700_000_000_000);
  });

  it('reports every broken rule with the path of the field', () => {
    expect(
      issuesOf(() =>
        sut(event, {
          timestamp: '26/09/2017',
          commerce: { order: { priceTotal: '159.00' } },
          identityMap: { ECID: [{ id: 'e-1', authenticatedState: 'maybe' }] },
          productListItems: [{ quantity: 1.5 }],
          web: 'https://example.com',
        }),
      ),
    ).toEqual([
      ['_id', 'missingField'],
      ['timestamp', 'invalidTimestamp'],
      ['identityMap.ECID[0].authenticatedState', 'invalidEnum'],
      ['web', 'typeMismatch'],
      ['commerce.order.priceTotal', 'typeMismatch'],
      ['productListItems[0].quantity', 'typeMismatch'],
    ]);
  });

  it('rejects impossible dates and date-times without a zone', () => {
    expect(issuesOf(() => sut(profile, { person: { birthDate: '2018-02-30' } }))).toEqual([
      ['person.birthDate', 'invalidDate'],
    ]);
    expect(issuesOf(() => sut(event, { _id: 'x', timestamp: '2017-09-26T15:52:25' }))).toEqual([
      ['timestamp', 'invalidTimestamp'],
    ]);
  });

  it('rejects unknown fields by default and lists them when dropping', () => {
    const doc = { _id: 'ev-1', timestamp: 0, _acme: { tier: 'gold' }, web: { webPageView: {} } };

    expect(issuesOf(() => sut(event, doc))).toEqual([
      ['_acme', 'unknownField'],
      ['web.webPageView', 'unknownField'],
    ]);
    expect(sut(event, doc, { unknownFields: 'drop' }).dropped).toEqual(['_acme', 'web.webPageView']);
  });

  it('treats null as absent for optional fields and refuses it for required ones', () => {
    expect(sut<any>(event, { _id: 'ev-1', timestamp: 0, web: null }).value.web).toBeNull();
    expect(issuesOf(() => sut(event, { _id: null, timestamp: 0 }))).toEqual([['_id', 'typeMismatch']]);
  });

  it('quotes map keys that are not identifiers in paths', () => {
    expect(issuesOf(() => sut(profile, { identityMap: { 'Email.lc': [{}] } }))).toEqual([
      ['identityMap["Email.lc"][0].id', 'missingField'],
    ]);
  });
});

describe(fromAvro.name, () => {
  const sut = fromAvro;

  it('leaves out null fields and writes timestamps and dates as ISO strings', () => {
    const { value } = toAvro(profile, {
      person: { name: { firstName: 'Ada' }, birthDate: '1990-02-01' },
      consents: { metadata: { time: '2019-01-01T15:52:25+00:00' } },
    });

    expect(sut(profile, profile.fromBuffer(profile.toBuffer(value)))).toEqual({
      person: { name: { firstName: 'Ada' }, birthDate: '1990-02-01' },
      consents: { metadata: { time: '2019-01-01T15:52:25.000Z' } },
    });
  });

  it('writes bytes as base64', () => {
    const rejected = envelopeContracts.ingestRejected;
    const value = { source: 'kafka', receivedAt: 0, errors: [], original: Buffer.from('{"broken') };

    expect(sut(rejected.type, rejected.decode(rejected.encode(value as never)))).toEqual({
      source: 'kafka',
      receivedAt: '1970-01-01T00:00:00.000Z',
      errors: [],
      original: Buffer.from('{"broken').toString('base64'),
    });
  });
});
