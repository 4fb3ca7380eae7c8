import { extractIdentities, formatIdentityKey, parseIdentityKey } from './identities';
import { XdmValidationError } from '../errors';

describe(extractIdentities.name, () => {
  const sut = extractIdentities;

  it('lists every identity in document order with defaults applied', () => {
    const result = sut({
      identityMap: {
        Email: [{ id: 'ada@example.com', authenticatedState: 'authenticated' }],
        ECID: [{ id: 'e-1' }],
      },
    });

    expect(result.identities).toEqual([
      { namespace: 'Email', id: 'ada@example.com', authenticatedState: 'authenticated', primary: false },
      { namespace: 'ECID', id: 'e-1', authenticatedState: 'ambiguous', primary: false },
    ]);
  });

  it('takes the identity marked primary', () => {
    const result = sut({ identityMap: { ECID: [{ id: 'e-1' }], CRMID: [{ id: 'c-1', primary: true }] } });

    expect(result.primary).toEqual({ namespace: 'CRMID', id: 'c-1' });
  });

  it('falls back to the first ECID, then to the first identity', () => {
    expect(
      sut({ identityMap: { Email: [{ id: 'a@x.io' }], ECID: [{ id: 'e-1' }, { id: 'e-2' }] } }).primary,
    ).toEqual({
      namespace: 'ECID',
      id: 'e-1',
    });
    expect(sut({ identityMap: { Email: [{ id: 'a@x.io' }], Phone: [{ id: '+33' }] } }).primary).toEqual({
      namespace: 'Email',
      id: 'a@x.io',
    });
  });

  it('has no primary when there is no identity', () => {
    expect(sut({})).toEqual({ identities: [], primary: null });
    expect(sut({ identityMap: {} })).toEqual({ identities: [], primary: null });
  });

  it('keeps one copy of a repeated identity, primary if any copy is', () => {
    const result = sut({ identityMap: { ECID: [{ id: 'e-1' }, { id: 'e-1', primary: true }] } });

    expect(result.identities).toEqual([
      { namespace: 'ECID', id: 'e-1', authenticatedState: 'ambiguous', primary: true },
    ]);
  });

  it('rejects two primary identities', () => {
    const doc = {
      identityMap: { ECID: [{ id: 'e-1', primary: true }], Email: [{ id: 'a@x.io', primary: true }] },
    };

    expect(() => sut(doc)).toThrow(
      'identityMap: only one identity may be primary, found ECID:e-1, Email:a@x.io',
    );
  });

  it('names every broken identity field', () => {
    const doc = {
      identityMap: { Email: [{ id: '' }, { id: 'a@x.io', authenticatedState: 'maybe', primary: 'yes' }] },
    };

    let error: XdmValidationError | undefined;
    try {
      sut(doc);
    } catch (e) {
      error = e as XdmValidationError;
    }

    expect(error?.issues.map((i) => [i.path, i.code])).toEqual([
      ['identityMap.Email[0].id', 'invalidIdentity'],
      ['identityMap.Email[1].authenticatedState', 'invalidEnum'],
      ['identityMap.Email[1].primary', 'typeMismatch'],
    ]);
  });
});

describe(formatIdentityKey.name, () => {
  it('writes <namespace>:<id> and reads it back, colons in the id included', () => {
    const identity = { namespace: 'CRMID', id: 'urn:crm:42' };

    expect(formatIdentityKey(identity)).toBe('CRMID:urn:crm:42');
    expect(parseIdentityKey(formatIdentityKey(identity))).toEqual(identity);
  });

  it('refuses a key without a namespace or an id', () => {
    expect(() => parseIdentityKey('ECID')).toThrow('not an identity key');
    expect(() => parseIdentityKey(':x')).toThrow('not an identity key');
    expect(() => parseIdentityKey('ECID:')).toThrow('not an identity key');
  });
});
