import { classify } from '../index';

const chain = (...whens: string[]) =>
  `CHAIN(xEvent, timestamp, [${whens.map((w, i) => `S${i}: WHAT(eventType = "e${i}") WHEN(${w})`).join(', ')}])`;

describe(classify.name, () => {
  it.each([
    ['profile attributes only', 'homeAddress.countryISO = "US" and person.birthYear > 1980', 'edge'],
    ['date-only profile rule', 'person.birthDate.getMonth() = currentMonth()', 'edge'],
    ['segment of segments', 'inSegment("a") and not inSegment("b") or inSegment("c")', 'edge'],
    ['one event today', chain('today'), 'edge'],
    [
      'one event within 24 hours plus a profile attribute',
      `person.age > 30 and ${chain('<= 24 hours before now')}`,
      'edge',
    ],
    ['one event within 1 day', chain('< 1 day before now'), 'edge'],
    [
      'one event via select with a recent window',
      'select X from xEvent where X.eventType = "a" and X.timestamp occurs today',
      'edge',
    ],
    [
      'one event via a filter with a recent window',
      'xEvent[eventType = "a" and timestamp occurs <= 2 hours before now]',
      'edge',
    ],
    ['an ordered sequence within 24 hours', chain('today', 'today'), 'streaming'],
    [
      'a sequence with a profile attribute',
      `person.age > 30 and ${chain('today', '<= 24 hours before now')}`,
      'streaming',
    ],
    ['a negated event inside a larger expression', `person.age > 30 and not ${chain('today')}`, 'edge'],
    ['a single event plus a segment of unknown kind', `inSegment("a") and ${chain('today')}`, 'streaming'],
    ['an event without a window', 'select X from xEvent where X.eventType = "a"', 'batch'],
    ['a window longer than 24 hours', chain('< 7 days before now'), 'batch'],
    ['a window of 25 hours', chain('<= 25 hours before now'), 'batch'],
    ['yesterday reaches back more than 24 hours', chain('yesterday'), 'batch'],
    ['a calendar day', 'select X from xEvent where X.timestamp occurs on date(2024, 5, 15)', 'batch'],
    ['a window on another timestamp field', 'select X from xEvent where X.ts occurs today', 'batch'],
    ['a sequence with one step over 24 hours', chain('today', '< 2 days before now'), 'batch'],
    ['a negated event as the whole expression', `not ${chain('today')}`, 'batch'],
    ['two unordered event conditions', `${chain('today')} and ${chain('today')}`, 'batch'],
    ['a count over events', 'xEvent[timestamp occurs today].count() > 2', 'batch'],
    ['forall', 'forall X from xEvent: X.timestamp occurs today', 'batch'],
    ['let', 'let S = person.age in S > 3', 'batch'],
    [
      'two events joined by select',
      'select A from xEvent where A.timestamp occurs today, B from xEvent where B.timestamp occurs today',
      'batch',
    ],
  ])('%s: %s', (_shape, expression, expected) => {
    expect(classify(expression)).toBe(expected);
  });

  it('allows edge for an event plus segments known to be profile-only', () => {
    const expression = `inSegment("a") and ${chain('today')}`;

    expect(classify(expression, { isProfileOnlySegment: (id) => id === 'a' })).toBe('edge');
    expect(classify(expression, { isProfileOnlySegment: () => false })).toBe('streaming');
  });

  it('classifies through a profile lambda head', () => {
    expect(classify(`(P) => P.age > 3 and ${chain('today', 'today')}`)).toBe('streaming');
  });
});
