import { canonicalJson } from './canonical-json';

describe(canonicalJson.name, () => {
  it('writes the same string whatever the key order, keeping array order', () => {
    const a = { timestamp: '2024-05-15T09:58:12Z', _id: 'ev-1', web: { b: 1, a: [3, { y: 1, x: 2 }] } };
    const b = { web: { a: [3, { x: 2, y: 1 }], b: 1 }, _id: 'ev-1', timestamp: '2024-05-15T09:58:12Z' };

    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe(
      '{"_id":"ev-1","timestamp":"2024-05-15T09:58:12Z","web":{"a":[3,{"x":2,"y":1}],"b":1}}',
    );
  });
});
