import { classify, compile, isTruthy } from './index';
import { loadPqlCases } from '../test/pql-cases';

// The reference cases (README §10): a Boolean `expected` is the segment qualification, anything else the raw value.
describe(compile.name, () => {
  const cases = loadPqlCases().map((c) => ({ ...c, title: c.expression.replace(/\s+/g, ' ') }));

  it.each(cases)('$id: $title', (c) => {
    const sut = compile(c.expression);

    const value = sut.evaluate({ profile: c.profile, events: c.events, now: c.now });

    if (typeof c.expected === 'boolean') {
      expect(isTruthy(value)).toBe(c.expected);
      expect(sut.test({ profile: c.profile, events: c.events, now: c.now })).toBe(c.expected);
    } else {
      expect(value ?? null).toEqual(c.expected);
    }
    if (c.method !== undefined) expect(classify(sut.ast)).toBe(c.method);
  });
});
