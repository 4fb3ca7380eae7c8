import { applyMapping, getPath, mappingProblems, setPath, touchesMapping } from './attribute-mapping';

const profile = {
  person: { name: { firstName: 'Ada', lastName: 'Lee' } },
  personalEmail: { address: 'ada@example.com' },
  loyalty: { points: 0, tier: null },
  tags: ['a', 'b'],
};

describe(applyMapping.name, () => {
  it('copies mapped values to their target paths and leaves the rest out', () => {
    const sut = applyMapping(profile, [
      { source: 'person.name.firstName', target: 'person.name.firstName' },
      { source: 'personalEmail.address', target: 'email' },
      { source: 'homeAddress.city', target: 'city' },
    ]);
    expect(sut).toEqual({ person: { name: { firstName: 'Ada' } }, email: 'ada@example.com' });
  });

  it('keeps falsy values that exist (0, null) and whole objects and arrays', () => {
    const sut = applyMapping(profile, [
      { source: 'loyalty.points', target: 'points' },
      { source: 'loyalty.tier', target: 'tier' },
      { source: 'tags', target: 'labels' },
      { source: 'person.name', target: 'name' },
    ]);
    expect(sut).toEqual({ points: 0, tier: null, labels: ['a', 'b'], name: { firstName: 'Ada', lastName: 'Lee' } });
  });
});

describe(getPath.name, () => {
  it('reads array elements by index and stops at scalars', () => {
    expect(getPath(profile, 'tags.1')).toBe('b');
    expect(getPath(profile, 'personalEmail.address.length')).toBeUndefined();
  });
});

describe(setPath.name, () => {
  it('replaces a scalar in the way with an object', () => {
    const sut: Record<string, unknown> = { a: 1 };
    setPath(sut, 'a.b', 2);
    expect(sut).toEqual({ a: { b: 2 } });
  });
});

describe(touchesMapping.name, () => {
  const mapping = [{ source: 'person.name.firstName', target: 'first' }];
  it('is true for the field, a parent or a child path', () => {
    expect(touchesMapping(['person.name.firstName'], mapping)).toBe(true);
    expect(touchesMapping(['person'], mapping)).toBe(true);
    expect(touchesMapping(['person.name.firstName.x'], mapping)).toBe(true);
  });
  it('is false for siblings and prefixes that are not path steps', () => {
    expect(touchesMapping(['person.name.lastName', 'person.name.first'], mapping)).toBe(false);
  });
});

describe(mappingProblems.name, () => {
  it('accepts a clean mapping', () => {
    expect(mappingProblems([{ source: 'a.b', target: 'x' }, { source: 'a.c', target: 'y.z' }])).toEqual([]);
  });
  it('names bad paths, reserved targets and overlapping targets', () => {
    const problems = mappingProblems([
      { source: 'a..b', target: 'x' },
      { source: 'a.c', target: 'identityMap.email' },
      { source: 'a.d', target: 'x.y' },
    ]);
    expect(problems.map((p) => p.path)).toEqual(['mapping.0.source', 'mapping.1.target', 'mapping.2.target']);
  });
});
