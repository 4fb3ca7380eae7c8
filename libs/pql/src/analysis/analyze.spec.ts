import { analyze } from '../index';

describe(analyze.name, () => {
  it.each([
    ['homeAddress.countryISO = "US"', false],
    ['person.birthDate occurs between date(2015, 1, 8) and date(2017, 7, 1)', false],
    [
      'select A from xEvent where A.x = 1, B from xEvent where B.timestamp occurs < 2 days after A.timestamp',
      false,
    ],
    ['person.birthDate occurs today', true],
    ['person.birthDate occurs last month', true],
    ['person.birthMonth = currentMonth()', true],
    ['person.birthDate occurs on date(currentYear() - 1, 1, 1)', true],
    ['CHAIN(xEvent, timestamp, [A: WHAT(eventType = "a") WHEN(<= 24 hours before now)])', true],
  ])('%s is time-bound: %s', (expression, timeBound) => {
    expect(analyze(expression).timeBound).toBe(timeBound);
  });

  it('lists the audiences referenced through inSegment once each, in order', () => {
    const sut = analyze('inSegment("b") and (inSegment("a") or not inSegment("b"))');

    expect(sut).toMatchObject({ segments: ['b', 'a'], dynamicSegmentReference: false });
  });

  it('flags an inSegment whose id is computed', () => {
    expect(analyze('inSegment(person.favoriteSegment)')).toMatchObject({
      segments: [],
      dynamicSegmentReference: true,
    });
  });

  it('lists the profile and event paths read, through variables, filters, up-references and chains', () => {
    const sut = analyze(
      '(P) => P.homeAddress.countryISO = "US" and ' +
        'xEvent[productListItems[SKU = "PS" or ^^.person.gender = "f"]] and ' +
        'exists E from xEvent where E.commerce.order.priceTotal > 3, I from E.productListItems where I.quantity > 1 and ' +
        'identityMap.get("ECID") and ' +
        'CHAIN(xEvent, timestamp, [A: WHAT(eventType = "a")])',
    );

    expect(sut).toMatchObject({
      usesEvents: true,
      profilePaths: ['homeAddress.countryISO', 'identityMap.ECID', 'person.gender'],
      eventPaths: [
        'commerce.order.priceTotal',
        'eventType',
        'productListItems.SKU',
        'productListItems.quantity',
        'timestamp',
      ],
    });
  });

  it('reports no events for a profile-only expression', () => {
    expect(analyze('orders.filter(price > 2).count() > 1')).toMatchObject({
      usesEvents: false,
      profilePaths: ['orders.price'],
      eventPaths: [],
    });
  });
});
