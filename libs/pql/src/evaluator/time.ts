import type { TimeUnit } from '../syntax/ast';

/**
 * A time term's meaning: an instant (`start === end`, `instant`) or a half-open UTC period `[start, end)`.
 * All values are epoch milliseconds.
 */
export class TimeSpan {
  constructor(
    readonly start: number,
    readonly end: number,
    readonly instant: boolean,
  ) {}

  static at(ms: number): TimeSpan {
    return new TimeSpan(ms, ms, true);
  }

  static period(start: number, unit: TimeUnit): TimeSpan {
    return new TimeSpan(start, shift(start, 1, unit), false);
  }

  contains(ms: number): boolean {
    return this.instant ? ms === this.start : ms >= this.start && ms < this.end;
  }

  /** The last instant belonging to the term, from which `after` windows are measured. */
  get last(): number {
    return this.instant ? this.start : this.end - 1;
  }
}

const FIXED_MS: Readonly<Partial<Record<TimeUnit, number>>> = {
  millisecond: 1,
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
};

const MONTHS: Readonly<Partial<Record<TimeUnit, number>>> = {
  month: 1,
  year: 12,
  decade: 120,
  century: 1_200,
  millennium: 12_000,
};

/** Length of a fixed-length unit in milliseconds; undefined for calendar units (month and longer). */
export function fixedUnitMs(unit: TimeUnit): number | undefined {
  return FIXED_MS[unit];
}

/** `ms` moved by `amount` units; month-based units keep the day of month, clamped to the target month's length. */
export function shift(ms: number, amount: number, unit: TimeUnit): number {
  const fixed = FIXED_MS[unit];
  if (fixed !== undefined) return ms + amount * fixed;
  const months = amount * MONTHS[unit]!;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const targetYear = year + Math.floor(month / 12);
  const targetMonth = ((month % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  return Date.UTC(
    targetYear,
    targetMonth,
    Math.min(date.getUTCDate(), lastDay),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    date.getUTCMilliseconds(),
  );
}

/** Start of the calendar period of `unit` that contains `ms` (UTC; weeks start on Monday). */
export function startOf(ms: number, unit: TimeUnit): number {
  const fixed = FIXED_MS[unit];
  if (unit === 'week') {
    const day = startOf(ms, 'day');
    const weekday = (new Date(day).getUTCDay() + 6) % 7;
    return day - weekday * FIXED_MS.day!;
  }
  if (fixed !== undefined) return Math.floor(ms / fixed) * fixed;
  const date = new Date(ms);
  const year = date.getUTCFullYear();
  switch (unit) {
    case 'month':
      return Date.UTC(year, date.getUTCMonth(), 1);
    case 'year':
      return Date.UTC(year, 0, 1);
    case 'decade':
      return utcYearStart(year - mod(year, 10));
    case 'century':
      return utcYearStart(year - mod(year, 100));
    default:
      return utcYearStart(year - mod(year, 1000));
  }
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

function utcYearStart(year: number): number {
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(year);
  return date.getTime();
}

/** Epoch milliseconds of a timestamp value (ISO-8601 string, epoch-ms number or Date); undefined otherwise. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (value instanceof TimeSpan && value.instant) return value.start;
  return undefined;
}

/** The UTC day `date(year, month, day)`, month 1-12; undefined when the date does not exist. */
export function utcDay(year: number, month: number, day: number): TimeSpan | undefined {
  if (![year, month, day].every(Number.isInteger)) return undefined;
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return TimeSpan.period(date.getTime(), 'day');
}
