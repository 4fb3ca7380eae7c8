import { compile, parse, PqlSyntaxError, type PqlNode } from '../index';

function syntaxErrorOf(expression: string): PqlSyntaxError {
  try {
    parse(expression);
  } catch (error) {
    if (error instanceof PqlSyntaxError) return error;
    throw error;
  }
  throw new Error(`expected a syntax error for ${expression}`);
}

/** The AST without positions, to compare shapes. */
function shape(node: PqlNode): unknown {
  return JSON.parse(JSON.stringify(node, (key, value: unknown) => (key === 'loc' ? undefined : value)));
}

describe(parse.name, () => {
  describe('precedence', () => {
    it('binds and tighter than or', () => {
      const sut = parse('a = 1 or b = 2 and c = 3');

      expect(sut).toMatchObject({
        kind: 'binary',
        operator: 'or',
        right: { kind: 'binary', operator: 'and' },
      });
    });

    it('reads a - b + c as (a - b) + c', () => {
      expect(shape(parse('a - b + c'))).toEqual({
        kind: 'binary',
        operator: '+',
        left: {
          kind: 'binary',
          operator: '-',
          left: { kind: 'name', name: 'a' },
          right: { kind: 'name', name: 'b' },
        },
        right: { kind: 'name', name: 'c' },
      });
    });

    it('applies not to the whole comparison', () => {
      expect(parse('not x = 1')).toMatchObject({
        kind: 'unary',
        operator: 'not',
        operand: { kind: 'binary', operator: '=' },
      });
    });

    it('binds * tighter than +', () => {
      expect(parse('1 + 2 * 3')).toMatchObject({ operator: '+', right: { operator: '*' } });
    });
  });

  describe('literals', () => {
    it.each([
      ['-201', -201],
      ['.45', 0.45],
      ['3.14', 3.14],
      ['2.02E12', 2.02e12],
      ['2.02E-12', 2.02e-12],
      ['"@(\\\\w+)"', '@(\\w+)'],
      ['"say \\"hi\\""', 'say "hi"'],
      ['true', true],
    ])('reads %s', (text, value) => {
      expect(parse(text)).toMatchObject({ kind: 'literal', value });
    });
  });

  it('records 1-based positions of nodes, across lines', () => {
    const sut = parse('a = 1\nand\n  person.name = "x"');

    expect(sut).toMatchObject({
      loc: { line: 2, column: 1 },
      right: { left: { kind: 'member', loc: { line: 3, column: 3 } } },
    });
  });

  it('produces a JSON-serialisable AST that compiles like the original', () => {
    const ast = parse('xEvent[productListItems[SKU = "PS" or ^^.person.gender = "female"]]');
    const context = {
      profile: { person: { gender: 'female' } },
      events: [{ productListItems: [{}] }],
      now: 0,
    };

    const sut = JSON.parse(JSON.stringify(ast)) as PqlNode;

    expect(sut).toEqual(ast);
    expect(compile(sut).test(context)).toBe(true);
  });

  it('distinguishes key access from a filter', () => {
    expect(parse('identityMap["ECID"]')).toMatchObject({ kind: 'index', key: 'ECID' });
    expect(parse('orders[price > 2]')).toMatchObject({ kind: 'filter' });
  });

  it('reads a profile lambda head', () => {
    expect(parse('(Profile) => Profile.homeAddress.city = "Paris"')).toMatchObject({
      kind: 'lambda',
      params: ['Profile'],
      body: { kind: 'binary', operator: '=' },
    });
  });

  it('ends a let value at in, while in inside parentheses stays membership', () => {
    const sut = parse('let S = (x in [1, 2]) in S and y in [3]');

    expect(sut).toMatchObject({
      kind: 'let',
      bindings: [{ name: 'S', value: { kind: 'binary', operator: 'in' } }],
      body: { kind: 'binary', operator: 'and', right: { operator: 'in' } },
    });
  });

  it('reads multi-clause select with the where of each clause', () => {
    const sut = parse('select X from xEvent where X.a = 1, I from X.items where I.SKU = "PS"');

    expect(sut).toMatchObject({
      kind: 'select',
      clauses: [
        { variable: 'X', source: { kind: 'events' }, where: { operator: '=' } },
        { variable: 'I', source: { kind: 'member', property: 'items' }, where: { operator: '=' } },
      ],
    });
  });

  it('reads sum ... over as an aggregate and count as a field elsewhere', () => {
    expect(parse('sum X.v over X from xEvent')).toMatchObject({ kind: 'aggregate', fn: 'sum' });
    expect(parse('count > 3')).toMatchObject({ left: { kind: 'name', name: 'count' } });
  });

  it.each([
    ['X occurs today', { type: 'on', term: { kind: 'timeWord', word: 'today' } }],
    ['X occurs on date(2017, 10, 1)', { type: 'on', term: { kind: 'call', name: 'date' } }],
    ['X occurs last month', { type: 'on', term: { kind: 'period', relation: 'last', unit: 'month' } }],
    ['X occurs before today', { type: 'before' }],
    ['X occurs from now', { type: 'after' }],
    ['X occurs between last month and last week', { type: 'between' }],
    [
      'X occurs <= 24 hours before now',
      { type: 'relative', comparator: '<=', unit: 'hour', direction: 'before', amount: { value: 24 } },
    ],
    [
      'X occurs > 3 weeks after date(2017, 10, 1)',
      { type: 'relative', comparator: '>', unit: 'week', direction: 'after' },
    ],
  ])('reads the occurs form %s', (text, window) => {
    expect(parse(text)).toMatchObject({ kind: 'occurs', window });
  });

  it('reads CHAIN steps and accepts lower-case chain', () => {
    const text =
      'CHAIN(xEvent, timestamp, [C0: WHAT(eventType = "a") WHEN(today), C1: WHAT(eventType = "b")])';

    const sut = parse(text);

    expect(sut).toMatchObject({
      kind: 'chain',
      timestampPath: ['timestamp'],
      steps: [
        { label: 'C0', when: { type: 'on' } },
        { label: 'C1', when: null },
      ],
    });
    expect(shape(parse(text.replace('CHAIN', 'chain')))).toEqual(shape(sut));
  });

  describe('errors', () => {
    it.each([
      ['homeAddress.countryISO =', 1, 25, 'an expression', 'end of input'],
      ['person.birthMonth in [3, 6 9]', 1, 28, "',' or ']'", "'9'"],
      ['(person.birthYear = 1985', 1, 25, "')'", 'end of input'],
      [
        'homeAddress.countryISO = "CA"\nand (\n  person.birthYear = 1985\n  or\n)',
        5,
        1,
        'an expression',
        "')'",
      ],
      ['person.name = "John', 1, 20, "'\"' closing the string", 'end of input'],
      ['person.name.startWith("J")', 1, 13, 'a known method', "'startWith'"],
      ['isSegment("x")', 1, 1, 'a known function', "'isSegment'"],
      ['select X in xEvent where X.a = 1', 1, 10, "'from'", "'in'"],
      ['select X from xEvent\n  where X.timestamp occurs <= 3 before now', 2, 33, 'a time unit', "'before'"],
      ['CHAIN(xEvent, timestamp, [\n  C0: WHEN(today)])', 2, 7, "'WHAT'", "'WHEN'"],
      [
        'CHAIN(xEvent, timestamp, [\n  C0: WHAT(eventType = "a") WHEN(today and yesterday)])',
        2,
        40,
        "')'",
        "'and'",
      ],
      ['inSegment("a", "b")', 1, 14, "')'", "','"],
      ['person.age # 3', 1, 12, 'an expression', "'#'"],
      ['person.age > 3 4', 1, 16, 'an operator or end of input', "'4'"],
      ['xEvent[^ person]', 1, 10, "'.'", "'person'"],
      ['$2.name = 1', 1, 1, "'$1'", "'$2'"],
      ['let S = 3\n  S > 2', 2, 3, "'in'", "'S'"],
      ['date(2017, 10)', 1, 14, '3 arguments', "')'"],
    ])('points at the error in %j', (expression, line, column, expected, found) => {
      const sut = syntaxErrorOf(expression);

      expect(sut).toMatchObject({ line, column, expected, found });
      expect(sut.message).toBe(`line ${line}, column ${column}: expected ${expected} but found ${found}`);
    });
  });
});
