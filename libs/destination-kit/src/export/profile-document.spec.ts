import { buildProfileDocument, formatQualificationTime, selectIdentityMap } from './profile-document';

const identities = [
  { namespace: 'ECID', id: '14575006536349286404619648085736425115', primary: true },
  { namespace: 'Email_LC_SHA256', id: 'abc' },
  { namespace: 'Email_LC_SHA256', id: 'abc' },
  { namespace: 'crmId', id: 'CRM-1' },
];

describe(buildProfileDocument.name, () => {
  it('builds the HTTP destination payload from the profile', () => {
    const sut = buildProfileDocument({
      attributes: { person: { name: { firstName: 'Ada', lastName: 'Lee' } }, personalEmail: { address: 'ada@example.com' }, secret: 1 },
      identities,
      mapping: [
        { source: 'person.name.firstName', target: 'person.name.firstName' },
        { source: 'personalEmail.address', target: 'personalEmail.address' },
      ],
      identityNamespaces: [],
      memberships: [{ segmentId: 'seg-1', status: 'realized', lastQualificationTime: Date.parse('2024-05-15T09:58:12.345Z') }],
    });
    expect(sut).toEqual({
      person: { name: { firstName: 'Ada' } },
      personalEmail: { address: 'ada@example.com' },
      segmentMembership: { ups: { 'seg-1': { status: 'realized', lastQualificationTime: '2024-05-15T09:58:12Z' } } },
      identityMap: {
        ecid: [{ id: '14575006536349286404619648085736425115', primary: true }],
        email_lc_sha256: [{ id: 'abc' }],
        crmid: [{ id: 'CRM-1' }],
      },
    });
  });
});

describe(selectIdentityMap.name, () => {
  it('keeps only the selected namespaces, whatever their case', () => {
    expect(selectIdentityMap(identities, ['crmid'])).toEqual({ crmid: [{ id: 'CRM-1' }] });
  });
});

describe(formatQualificationTime.name, () => {
  it('writes RFC 3339 UTC with Z', () => {
    expect(formatQualificationTime(0)).toBe('1970-01-01T00:00:00Z');
  });
});
