import { shift, startOf, TimeSpan, toEpochMs, utcDay } from './time';

const ms = (iso: string) => Date.parse(iso);
const iso = (value: number) => new Date(value).toISOString();

describe(TimeSpan.name, () => {
  it('contains an instant only at that instant and a period over [start, end)', () => {
    const day = utcDay(2024, 5, 15)!;

    expect(TimeSpan.at(5).contains(5)).toBe(true);
    expect(TimeSpan.at(5).contains(6)).toBe(false);
    expect(day.contains(ms('2024-05-15T23:59:59.999Z'))).toBe(true);
    expect(day.contains(ms('2024-05-16T00:00:00Z'))).toBe(false);
    expect(iso(day.last)).toBe('2024-05-15T23:59:59.999Z');
  });
});

describe(shift.name, () => {
  it.each([
    ['2018-08-28T00:00:00Z', -1, 'month', '2018-07-28T00:00:00.000Z'],
    ['2024-03-31T10:00:00Z', -1, 'month', '2024-02-29T10:00:00.000Z'],
    ['2023-03-31T10:00:00Z', -1, 'month', '2023-02-28T10:00:00.000Z'],
    ['2024-02-29T00:00:00Z', 1, 'year', '2025-02-28T00:00:00.000Z'],
    ['2024-01-15T00:00:00Z', -13, 'month', '2022-12-15T00:00:00.000Z'],
    ['2024-05-15T10:00:00Z', -24, 'hour', '2024-05-14T10:00:00.000Z'],
    ['2024-05-15T10:00:00Z', 2, 'week', '2024-05-29T10:00:00.000Z'],
  ] as const)('%s moved by %d %s is %s', (from, amount, unit, expected) => {
    expect(iso(shift(ms(from), amount, unit))).toBe(expected);
  });
});

describe(startOf.name, () => {
  it.each([
    ['2024-05-15T10:20:30Z', 'day', '2024-05-15T00:00:00.000Z'],
    ['2024-05-15T10:20:30Z', 'week', '2024-05-13T00:00:00.000Z'],
    ['2024-05-19T23:00:00Z', 'week', '2024-05-13T00:00:00.000Z'],
    ['2024-05-20T00:00:00Z', 'week', '2024-05-20T00:00:00.000Z'],
    ['2024-05-15T10:20:30Z', 'month', '2024-05-01T00:00:00.000Z'],
    ['2024-05-15T10:20:30Z', 'year', '2024-01-01T00:00:00.000Z'],
    ['2024-05-15T10:20:30Z', 'decade', '2020-01-01T00:00:00.000Z'],
    ['2024-05-15T10:20:30Z', 'hour', '2024-05-15T10:00:00.000Z'],
  ] as const)('%s rounded down to its %s is %s', (from, unit, expected) => {
    expect(iso(startOf(ms(from), unit))).toBe(expected);
  });
});

describe(toEpochMs.name, () => {
  it('normalises ISO strings with offsets and epoch milliseconds', () => {
    expect(toEpochMs('2011-12-03T10:15:30+01:00')).toBe(ms('2011-12-03T09:15:30Z'));
    expect(toEpochMs(1710550800000)).toBe(1710550800000);
    expect(toEpochMs('yesterday-ish')).toBeUndefined();
    expect(toEpochMs(null)).toBeUndefined();
  });
});

describe(utcDay.name, () => {
  it('rejects days that do not exist', () => {
    expect(utcDay(2023, 2, 29)).toBeUndefined();
    expect(utcDay(2024, 13, 1)).toBeUndefined();
    expect(utcDay(2024, 2, 29)?.start).toBe(ms('2024-02-29T00:00:00Z'));
  });
});
