import { changedPaths, jsonEqual, layer, stableStringify } from './attributes';

describe(changedPaths.name, () => {
  it('lists the leaves that were added, removed or changed', () => {
    const before = { person: { name: { firstName: 'Ada', lastName: 'L' } }, tags: ['a'], gone: 1 };
    const after = { person: { name: { firstName: 'Ada', lastName: 'Lovelace' } }, tags: ['a', 'b'], home: { city: 'Paris', zip: '75001' } };
    expect(changedPaths(before, after)).toEqual(['gone', 'home.city', 'home.zip', 'person.name.lastName', 'tags']);
  });

  it('is empty for equal documents whatever their key order', () => {
    expect(changedPaths({ a: { x: 1, y: [1, { z: 2 }] } }, { a: { y: [1, { z: 2 }], x: 1 } })).toEqual([]);
  });
});

describe(layer.name, () => {
  it('does not modify its inputs', () => {
    const base = { a: { b: 1 } };
    layer(base, { a: { c: 2 } });
    expect(base).toEqual({ a: { b: 1 } });
  });
});

describe(stableStringify.name, () => {
  it('sorts keys at every level', () => {
    expect(stableStringify({ b: 1, a: { d: [{ f: 1, e: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"e":2,"f":1}]},"b":1}');
  });
});

describe(jsonEqual.name, () => {
  const cases: [unknown, unknown][] = [
    [{ b: 1, a: { d: [{ f: 1, e: 2 }], c: null } }, { a: { c: null, d: [{ e: 2, f: 1 }] }, b: 1 }],
    [{ a: 1, b: undefined }, { a: 1 }],
    [[1, null], [1, undefined]],
    [{ a: null }, { a: 1 }],
    [{ a: null }, {}],
    [[1, 2], [2, 1]],
    [{ a: [1] }, { a: { 0: 1 } }],
    ['1', 1],
    [{ a: 1 }, { a: 1, b: 2 }],
  ];
  it.each(cases)('agrees with comparing stableStringify texts: %j vs %j', (a, b) => {
    expect(jsonEqual(a, b)).toBe(stableStringify(a) === stableStringify(b));
    expect(jsonEqual(b, a)).toBe(stableStringify(a) === stableStringify(b));
  });
});
