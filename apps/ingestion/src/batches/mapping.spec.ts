import { applyMapping, mappingSchema, unflatten, type Mapping } from './mapping';

const mapping = (fields: unknown[]): Mapping => mappingSchema.parse({ fields });

describe(applyMapping.name, () => {
  it('turns columns into XDM paths with transforms', () => {
    const sut = mapping([
      { target: 'identityMap.Email[0].id', source: 'email', transforms: [{ fn: 'trim' }, { fn: 'lowercase' }] },
      { target: 'personalEmail.address', source: 'email', transforms: [{ fn: 'trim' }, { fn: 'lowercase' }, { fn: 'sha256' }] },
      { target: 'person.name.fullName', sources: ['first', 'last'], transforms: [{ fn: 'concat', separator: ' ' }] },
      { target: 'person.name.lastName', source: 'full', transforms: [{ fn: 'split', separator: ',', index: 1 }, { fn: 'trim' }] },
      { target: 'loyalty.points', source: 'points', transforms: [{ fn: 'number' }] },
      { target: 'consents.marketing.email.val', constant: 'y' },
      { target: 'person.birthDate', source: 'born', transforms: [{ fn: 'date', format: 'DD/MM/YYYY', output: 'date' }] },
      { target: 'timestamp', source: 'seen', transforms: [{ fn: 'date', format: 'epoch-s' }] },
      { target: 'personID', source: 'active', transforms: [{ fn: 'boolean' }] },
    ]);
    const { doc, errors } = applyMapping(
      { email: ' Jane@Example.COM ', first: 'Jane', last: 'Doe', full: 'Doe, Jane', points: '12.5', born: '31/12/1990', seen: '1700000000', active: 'yes' },
      sut,
    );
    expect(errors).toEqual([]);
    expect(doc).toEqual({
      identityMap: { Email: [{ id: 'jane@example.com' }] },
      personalEmail: { address: '8c87b489ce35cf2e2f39f80e282cb2e804932a56a213983eeeb428407d43b52d' },
      person: { name: { fullName: 'Jane Doe', lastName: 'Jane' }, birthDate: '1990-12-31' },
      loyalty: { points: 12.5 },
      consents: { marketing: { email: { val: 'y' } } },
      timestamp: '2023-11-14T22:13:20.000Z',
      personID: true,
    });
  });

  it('leaves empty cells out and reports transforms that cannot apply, naming the target', () => {
    const sut = mapping([
      { target: 'loyalty.points', source: 'points', transforms: [{ fn: 'number' }] },
      { target: 'person.birthDate', source: 'born', transforms: [{ fn: 'date', format: 'YYYY-MM-DD' }] },
      { target: 'person.name.firstName', source: 'first' },
    ]);
    expect(applyMapping({ points: 'lots', born: '1990-02-30', first: '' }, sut)).toEqual({
      doc: {},
      errors: [
        { path: 'loyalty.points', code: 'MAPPING_FAILED', message: 'loyalty.points: "lots" is not a number' },
        { path: 'person.birthDate', code: 'MAPPING_FAILED', message: 'person.birthDate: "1990-02-30" is not a date in format YYYY-MM-DD' },
      ],
    });
  });

  it('refuses a rule with both a source and a constant', () => {
    expect(mappingSchema.safeParse({ fields: [{ target: 'a', source: 'x', constant: 1 }] }).success).toBe(false);
  });
});

describe(unflatten.name, () => {
  it('nests dotted CSV headers and skips empty cells', () => {
    expect(unflatten({ '_id': '1', 'person.name.firstName': 'Jane', 'identityMap.ECID[0].id': 'e', 'person.gender': '' })).toEqual({
      _id: '1',
      person: { name: { firstName: 'Jane' } },
      identityMap: { ECID: [{ id: 'e' }] },
    });
  });
});
