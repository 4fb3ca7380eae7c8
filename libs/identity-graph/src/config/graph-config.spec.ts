import { defineGraphConfig, GraphConfigInput, NamespaceConfig } from '../index';

const crm: NamespaceConfig = { code: 'CRMID', type: 'CROSS_DEVICE', priority: 1, unique: true };
const idfa: NamespaceConfig = { code: 'IDFA', type: 'DEVICE', priority: 2, unique: false };
const ecid: NamespaceConfig = { code: 'ECID', type: 'COOKIE', priority: 3, unique: false };

describe(defineGraphConfig.name, () => {
  it('defaults the limits to 50 identities per graph and 20 per record', () => {
    const sut = defineGraphConfig({ namespaces: [crm, idfa, ecid] });

    expect(sut.limits).toEqual({
      maxIdentitiesPerGraph: 50,
      maxIdentitiesPerRecord: 20,
      maxValueLength: 1024,
      superNodeLinks: 50,
    });
    expect(sut.namespace('CRMID')).toEqual(crm);
    expect(sut.namespace('crmid')).toBeUndefined();
  });

  it.each<[string, GraphConfigInput, RegExp]>([
    ['a namespace declared twice', { namespaces: [crm, { ...crm, priority: 2 }] }, /CRMID is declared twice/],
    ['an unknown type', { namespaces: [{ ...crm, type: 'PARTNER' as never }] }, /CRMID: type must be one of/],
    [
      'a priority below 1',
      { namespaces: [{ ...crm, priority: 0 }] },
      /CRMID: priority must be an integer >= 1/,
    ],
    ['a fractional priority', { namespaces: [{ ...crm, priority: 1.5 }] }, /CRMID: priority/],
    [
      'a cookie above a device',
      { namespaces: [idfa, { ...ecid, priority: 1 }] },
      /IDFA \(DEVICE\) must have a higher/,
    ],
    [
      'a device above a person',
      { namespaces: [{ ...crm, priority: 5 }, idfa] },
      /CRMID \(CROSS_DEVICE\) must/,
    ],
    ['a zero limit', { namespaces: [crm], limits: { superNodeLinks: 0 } }, /limits.superNodeLinks must be/],
    [
      'a graph smaller than a record',
      { namespaces: [crm], limits: { maxIdentitiesPerGraph: 10 } },
      /maxIdentitiesPerGraph \(10\) must be at least limits.maxIdentitiesPerRecord \(20\)/,
    ],
  ])('refuses %s', (_, input, message) => {
    expect(() => defineGraphConfig(input)).toThrow(message);
  });
});
