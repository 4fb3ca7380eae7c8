import { joinJsonArrays, profileCount } from './delivery';

describe(joinJsonArrays.name, () => {
  it('concatenates JSON arrays in order', () => {
    expect(JSON.parse(joinJsonArrays(['[{"a":1},{"b":2}]', '[{"c":[3]}]']))).toEqual([{ a: 1 }, { b: 2 }, { c: [3] }]);
  });

  it('skips empty arrays', () => {
    expect(JSON.parse(joinJsonArrays(['[]', ' [ {"a":1} ] ', '[]']))).toEqual([{ a: 1 }]);
  });

  it('passes a single array through unchanged', () => {
    expect(joinJsonArrays(['[{"a":"]"}]'])).toBe('[{"a":"]"}]');
  });
});

describe(profileCount.name, () => {
  it('counts the profiles of every item', () => {
    const item = (n: number) => ({ dataflowId: 'df', profileIds: Array.from({ length: n }, (_, i) => `p${i}`), documents: '[]', enqueuedAt: 0 });
    expect(profileCount([item(3), item(1)])).toBe(4);
  });
});
