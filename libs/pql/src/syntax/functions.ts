/** Arity of the functions and methods PQL knows; the parser rejects any other name. */
export interface Arity {
  readonly min: number;
  readonly max: number;
}

const arity = (min: number, max = min): Arity => ({ min, max });

export const FUNCTIONS: Readonly<Record<string, Arity>> = {
  if: arity(3),
  inSegment: arity(1),
  date: arity(3),
  currentMonth: arity(0),
  currentYear: arity(0),
  currentDayOfMonth: arity(0),
  mapEntry: arity(2),
};

/** Methods whose first argument is evaluated once per item of the target, with the item as current item. */
export const PER_ITEM_METHODS: ReadonlySet<string> = new Set([
  'filter',
  'count',
  'sum',
  'average',
  'min',
  'max',
  'groupBy',
  'topN',
  'bottomN',
]);

export const METHODS: Readonly<Record<string, Arity>> = {
  filter: arity(1),
  count: arity(0, 1),
  sum: arity(0, 1),
  average: arity(0, 1),
  min: arity(0, 1),
  max: arity(0, 1),
  groupBy: arity(1),
  topN: arity(2),
  bottomN: arity(2),
  map: arity(1),
  intersects: arity(1),
  intersection: arity(1),
  subsetOf: arity(1),
  supersetOf: arity(1),
  includes: arity(1),
  distinct: arity(0),
  head: arity(0),
  get: arity(1),
  keys: arity(0),
  values: arity(0),
  isNull: arity(0),
  isNotNull: arity(0),
  getMonth: arity(0),
  getYear: arity(0),
  getDayOfMonth: arity(0),
  equals: arity(1, 2),
  notEqualTo: arity(1, 2),
  startsWith: arity(1, 2),
  doesNotStartWith: arity(1, 2),
  endsWith: arity(1, 2),
  doesNotEndWith: arity(1, 2),
  contains: arity(1, 2),
  doesNotContain: arity(1, 2),
  matches: arity(1),
  regexGroup: arity(2),
};

export const TIME_UNITS: Readonly<Record<string, import('./ast').TimeUnit>> = {
  millisecond: 'millisecond',
  milliseconds: 'millisecond',
  second: 'second',
  seconds: 'second',
  minute: 'minute',
  minutes: 'minute',
  hour: 'hour',
  hours: 'hour',
  day: 'day',
  days: 'day',
  week: 'week',
  weeks: 'week',
  month: 'month',
  months: 'month',
  year: 'year',
  years: 'year',
  decade: 'decade',
  decades: 'decade',
  century: 'century',
  centuries: 'century',
  millennium: 'millennium',
  millennia: 'millennium',
};
