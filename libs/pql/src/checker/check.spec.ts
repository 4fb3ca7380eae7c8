import { check, type PqlSchema } from '../index';

const schema: PqlSchema = {
  profile: {
    'person.name.firstName': 'string',
    'person.birthYear': 'integer',
    'person.birthDate': 'date',
    'person.favoriteColors': 'string[]',
    'homeAddress.countryISO': 'string',
    'loyalty.points': 'number',
    'loyalty.member': 'boolean',
    orders: 'object[]',
    'orders.price': 'number',
    identityMap: 'map',
  },
  event: {
    eventType: 'string',
    timestamp: 'timestamp',
    'commerce.order.priceTotal': 'number',
    productListItems: 'object[]',
    'productListItems.SKU': 'string',
  },
};

describe(check.name, () => {
  it.each([
    'person.name.firstName.startsWith("J", false) and loyalty.points > 100',
    'person.name',
    'homeAddress.countryISO in ["US", "CA"]',
    'person.birthDate occurs <= 3 days before today',
    'identityMap.get("ECID").count() > 0 and identityMap.anything',
    'orders.filter(price > 20).count() = 2 and orders.sum(price) > 5',
    'select X from xEvent where X.timestamp occurs today and X.eventType = "a", I from X.productListItems where I.SKU = "PS"',
    'xEvent[productListItems[SKU = "PS" and ^^.loyalty.member = true]]',
    'CHAIN(xEvent, timestamp, [A: WHAT(eventType = "a") WHEN(today)])',
    '(P) => P.person.birthYear + 1 > 1990',
    'let S = (sum X.commerce.order.priceTotal over X from xEvent) in S > 100',
    'person.favoriteColors.includes("red")',
  ])('accepts %s', (expression) => {
    expect(check(expression, schema)).toEqual([]);
  });

  it('reports an unknown profile path with its position', () => {
    const sut = check('loyalty.points > 1 and\n  person.name.fristName = "Joe"', schema);

    expect(sut).toEqual([
      {
        code: 'unknown-path',
        path: 'person.name.fristName',
        line: 2,
        column: 3,
        message: "line 2, column 3: unknown profile path 'person.name.fristName'",
      },
    ]);
  });

  it('reports unknown event paths through select variables, filters and chains', () => {
    const sut = check(
      'select X from xEvent where X.evenType = "a" or xEvent[productListItems[sku = "x"]] ' +
        'or CHAIN(xEvent, timestamp, [A: WHAT(type = "a")])',
      schema,
    );

    expect(sut.map((issue) => [issue.code, issue.path])).toEqual([
      ['unknown-path', 'evenType'],
      ['unknown-path', 'productListItems.sku'],
      ['unknown-path', 'type'],
    ]);
  });

  it.each([
    ['person.name.firstName > 3', 'person.name.firstName', 1, 1],
    ['loyalty.points = "100"', 'loyalty.points', 1, 16],
    ['loyalty.points.startsWith("1")', 'loyalty.points', 1, 1],
    ['person.birthYear like "19%"', 'person.birthYear', 1, 1],
    ['homeAddress.countryISO occurs today', 'homeAddress.countryISO', 1, 1],
    ['loyalty.points in ["a", "b"]', 'loyalty.points', 1, 1],
    ['orders.sum(price) + person.name.firstName', 'person.name.firstName', 1, 21],
    ['xEvent[eventType > 2]', 'eventType', 1, 8],
    ['loyalty.member.points', 'loyalty.member.points', 1, 1],
  ])('reports a type mismatch in %s', (expression, path, line, column) => {
    const sut = check(expression, schema);

    expect(sut).toHaveLength(1);
    expect(sut[0]).toMatchObject({ code: 'type-mismatch', path, line, column });
  });

  it('names the expected and actual types in the message', () => {
    const [sut] = check('person.name.firstName * 2', schema);

    expect(sut?.message).toBe(
      "line 1, column 1: '*' expects numbers but 'person.name.firstName' is a string",
    );
  });

  it('names both sides of an equality between incompatible types', () => {
    const [sut] = check('loyalty.points != person.name.firstName', schema);

    expect(sut?.message).toBe(
      "line 1, column 16: '!=' compares 'loyalty.points' (a number) with 'person.name.firstName' (a string)",
    );
  });

  it('reports an invalid regular expression', () => {
    expect(check('person.name.firstName matches "(unclosed"', schema)).toMatchObject([
      { code: 'invalid-pattern' },
    ]);
  });

  it('leaves event paths unchecked when the schema has no event part', () => {
    expect(check('xEvent[anything = 1]', { profile: {} })).toEqual([]);
  });
});
