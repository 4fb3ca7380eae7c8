import { prepareExport, type ExportRules } from './prepare-export';

const rules = (over: Partial<ExportRules> = {}): ExportRules => ({
  mapping: [{ source: 'personalEmail.address', target: 'email' }],
  identityNamespaces: [],
  consentChannel: 'email',
  ...over,
});
const membership = [{ segmentId: 's1', status: 'realized' as const, lastQualificationTime: 0 }];
const profile = (attributes: unknown) => ({ attributes, identities: [{ namespace: 'Email', id: 'ada@example.com' }] });

describe(prepareExport.name, () => {
  it('sends the document of a consenting profile', () => {
    const sut = prepareExport(rules(), profile({ personalEmail: { address: 'ada@example.com' } }), membership);
    expect('document' in sut && JSON.parse(sut.document)).toEqual({
      email: 'ada@example.com',
      identityMap: { email: [{ id: 'ada@example.com' }] },
      segmentMembership: { ups: { s1: { status: 'realized', lastQualificationTime: '1970-01-01T00:00:00Z' } } },
    });
  });

  it('excludes a profile that opted out of the channel, with the reason', () => {
    const attributes = { consents: { marketing: { email: { val: 'n' } } } };
    expect(prepareExport(rules(), profile(attributes), membership)).toEqual({ excluded: 'consent.marketing.email' });
  });

  it('excludes a profile without any selected identity', () => {
    expect(prepareExport(rules({ identityNamespaces: ['ECID'] }), profile({}), membership)).toEqual({
      excluded: 'identity.none_selected',
    });
  });
});
