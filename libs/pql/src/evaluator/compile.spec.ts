import { compile, evaluate, qualifies } from '../index';
import { aContext } from '../../test/pql-context.factory';

describe(compile.name, () => {
  describe('null semantics', () => {
    const noCountry = aContext()
      .withProfile({ homeAddress: { city: 'Lyon' } })
      .build();

    it.each([
      ['homeAddress.countryISO = "CA"', false],
      ['homeAddress.countryISO != "CA"', false],
      ['not (homeAddress.countryISO = "CA")', true],
      ['not (homeAddress.countryISO != "CA")', true],
      ['homeAddress.countryISO = homeAddress.countryISO', false],
      ['homeAddress.countryISO in ["CA", "US"]', false],
      ['homeAddress.countryISO notIn ["CA", "US"]', false],
      ['homeAddress.countryISO like "%"', false],
      ['homeAddress.countryISO matches ".*"', false],
      ['homeAddress.countryISO.contains("C")', false],
      ['homeAddress.countryISO.doesNotContain("C")', false],
      ['homeAddress.countryISO.notEqualTo("CA")', false],
      ['person.colors.intersects(["red"])', false],
      ['person.colors.includes("red")', false],
      ['homeAddress.countryISO < 3 or homeAddress.countryISO >= 3', false],
    ])('%s is %s on a profile without the field', (expression, expected) => {
      expect(qualifies(expression, noCountry)).toBe(expected);
    });

    it('propagates null through arithmetic, division by zero included', () => {
      const context = aContext().withProfile({ a: 10, zero: 0 }).build();

      expect(evaluate('a + missing', context)).toBeNull();
      expect(evaluate('a / zero', context)).toBeNull();
      expect(evaluate('a % zero', context)).toBeNull();
      expect(qualifies('not (a / zero > 5)', context)).toBe(true);
    });

    it('coerces empty arrays and null to false, objects and zero to true', () => {
      const context = aContext().withProfile({ list: [], obj: {}, zero: 0 }).build();

      expect(qualifies('list', context)).toBe(false);
      expect(qualifies('missing', context)).toBe(false);
      expect(qualifies('obj', context)).toBe(true);
      expect(qualifies('zero', context)).toBe(true);
    });

    it('gives 0 for count and sum over nothing, null for average, min and max', () => {
      const context = aContext().withProfile({ orders: [] }).build();

      expect(evaluate('orders.count()', context)).toBe(0);
      expect(evaluate('orders.sum(price)', context)).toBe(0);
      expect(evaluate('orders.average(price)', context)).toBeNull();
      expect(evaluate('orders.min(price)', context)).toBeNull();
      expect(evaluate('orders.max(price)', context)).toBeNull();
    });
  });

  describe('time windows relative to now', () => {
    // 2018-08-28: `<= 1 month before today` covers 28 Jul .. 27 Aug, today excluded.
    const onAug28 = (saleDate: string) =>
      aContext().at('2018-08-28T15:00:00Z').withProfile({ saleDate }).build();

    it.each([
      ['2018-07-27T23:59:59.999Z', false],
      ['2018-07-28T00:00:00Z', true],
      ['2018-08-27T23:59:59.999Z', true],
      ['2018-08-28T00:00:00Z', false],
    ])('occurs <= 1 month before today: %s is %s', (saleDate, expected) => {
      expect(qualifies('saleDate occurs <= 1 month before today', onAug28(saleDate))).toBe(expected);
    });

    it.each([
      ['2018-06-30T23:59:59Z', false],
      ['2018-07-01T00:00:00Z', true],
      ['2018-07-31T23:59:59Z', true],
      ['2018-08-01T00:00:00Z', false],
    ])('occurs last month: %s is %s', (saleDate, expected) => {
      expect(qualifies('saleDate occurs last month', onAug28(saleDate))).toBe(expected);
    });

    it.each([
      ['2018-08-27T00:00:00Z', 'yesterday', true],
      ['2018-08-28T00:00:00Z', 'yesterday', false],
      ['2018-08-28T23:59:59Z', 'today', true],
      ['2018-08-27T23:59:59Z', 'today', false],
      ['2018-08-29T10:00:00Z', 'tomorrow', true],
      ['2018-08-20T10:00:00Z', 'last week', true],
      ['2018-08-19T23:00:00Z', 'last week', false],
    ])('%s occurs %s is %s (weeks start on Monday)', (saleDate, term, expected) => {
      expect(qualifies(`saleDate occurs ${term}`, onAug28(saleDate))).toBe(expected);
    });

    it('includes the whole end day of between', () => {
      const sut = compile('saleDate occurs between date(2017, 10, 1) and date(2017, 12, 31)');

      expect(sut.test(onAug28('2017-12-31T23:59:59Z'))).toBe(true);
      expect(sut.test(onAug28('2017-10-01T00:00:00Z'))).toBe(true);
      expect(sut.test(onAug28('2018-01-01T00:00:00Z'))).toBe(false);
      expect(sut.test(onAug28('2017-09-30T23:59:59Z'))).toBe(false);
    });

    it('reads = N units before now as the unit-long slot starting N units before now', () => {
      const sut = compile('saleDate occurs = 3 hours before now');

      expect(sut.test(onAug28('2018-08-28T12:00:00Z'))).toBe(true);
      expect(sut.test(onAug28('2018-08-28T12:59:59Z'))).toBe(true);
      expect(sut.test(onAug28('2018-08-28T13:00:00Z'))).toBe(false);
      expect(sut.test(onAug28('2018-08-28T11:59:59Z'))).toBe(false);
    });

    it('measures after windows from the end of the term', () => {
      const sut = compile('saleDate occurs < 2 days after date(2018, 8, 1)');

      expect(sut.test(onAug28('2018-08-01T23:00:00Z'))).toBe(false);
      expect(sut.test(onAug28('2018-08-02T00:00:00Z'))).toBe(true);
      expect(sut.test(onAug28('2018-08-03T23:59:59Z'))).toBe(true);
      expect(sut.test(onAug28('2018-08-04T00:00:00Z'))).toBe(false);
    });

    it('takes the clock from the context only', () => {
      const sut = compile('saleDate occurs today');
      const profile = { saleDate: '1999-12-31T12:00:00Z' };

      expect(sut.test({ profile, now: '1999-12-31T23:00:00Z' })).toBe(true);
      expect(sut.test({ profile, now: Date.parse('2000-01-01T00:00:00Z') })).toBe(false);
      expect(sut.test({ profile, now: new Date('1999-12-31T00:00:00Z') })).toBe(true);
      expect(() => sut.test({ profile, now: 'not a date' })).toThrow(TypeError);
    });

    it('evaluates date functions in UTC from now and from the value', () => {
      const context = aContext()
        .at('2024-03-05T23:30:00Z')
        .withProfile({ born: '1990-06-30T23:30:00-02:00' })
        .build();

      expect(evaluate('[currentYear(), currentMonth(), currentDayOfMonth()]', context)).toEqual([2024, 3, 5]);
      expect(evaluate('[born.getYear(), born.getMonth(), born.getDayOfMonth()]', context)).toEqual([
        1990, 7, 1,
      ]);
    });
  });

  describe('chain', () => {
    const twoSteps = compile(
      'CHAIN(xEvent, timestamp, [A: WHAT(eventType = "view") WHEN(<= 24 hours before now), ' +
        'B: WHAT(eventType = "buy") WHEN(<= 24 hours before now)])',
    );

    it('matches events in strictly increasing time order', () => {
      const context = aContext()
        .withEventHoursAgo(5, { eventType: 'view' })
        .withEventHoursAgo(1, { eventType: 'buy' })
        .build();

      expect(twoSteps.test(context)).toBe(true);
    });

    it('rejects the sequence in the wrong order', () => {
      const context = aContext()
        .withEventHoursAgo(5, { eventType: 'buy' })
        .withEventHoursAgo(1, { eventType: 'view' })
        .build();

      expect(twoSteps.test(context)).toBe(false);
    });

    it('rejects two steps at the same instant', () => {
      const context = aContext()
        .withEventHoursAgo(2, { eventType: 'view' })
        .withEventHoursAgo(2, { eventType: 'buy' })
        .build();

      expect(twoSteps.test(context)).toBe(false);
    });

    it('requires every step inside its WHEN window', () => {
      const context = aContext()
        .withEventHoursAgo(25, { eventType: 'view' })
        .withEventHoursAgo(1, { eventType: 'buy' })
        .build();

      expect(twoSteps.test(context)).toBe(false);
    });

    it('finds a sequence among unordered, unrelated events', () => {
      const context = aContext()
        .withEventHoursAgo(1, { eventType: 'buy' })
        .withEventHoursAgo(3, { eventType: 'other' })
        .withEventHoursAgo(4, { eventType: 'view' })
        .withEventHoursAgo(6, { eventType: 'buy' })
        .build();

      expect(twoSteps.test(context)).toBe(true);
    });

    it('uses one event per step', () => {
      const sut = compile('chain(xEvent, timestamp, [A: WHAT(eventType = "x"), B: WHAT(eventType = "x")])');

      expect(sut.test(aContext().withEventHoursAgo(1, { eventType: 'x' }).build())).toBe(false);
      expect(
        sut.test(
          aContext()
            .withEventHoursAgo(1, { eventType: 'x' })
            .withEventHoursAgo(2, { eventType: 'x' })
            .build(),
        ),
      ).toBe(true);
    });
  });

  describe('segment membership', () => {
    const sut = compile('inSegment("a") and not inSegment("b")');

    it('reads the profile segmentMembership by default', () => {
      const member = (status: string) =>
        aContext()
          .withProfile({ segmentMembership: { ups: { a: { status } } } })
          .build();

      expect(sut.test(member('realized'))).toBe(true);
      expect(sut.test(member('existing'))).toBe(true);
      expect(sut.test(member('exited'))).toBe(false);
    });

    it('prefers membership supplied in the context', () => {
      const profile = { segmentMembership: { ups: { a: { status: 'realized' } } } };

      expect(
        sut.test(
          aContext()
            .withProfile(profile)
            .inSegments(new Set(['b']))
            .build(),
        ),
      ).toBe(false);
      expect(
        sut.test(
          aContext()
            .inSegments((id) => id === 'a')
            .build(),
        ),
      ).toBe(true);
    });
  });

  describe('strings and patterns', () => {
    const context = aContext().withProfile({ email: 'JOE.lean@Work.com', name: 'Johnny' }).build();

    it.each([
      ['email.startsWith("joe")', false],
      ['email.startsWith("joe", false)', true],
      ['email.doesNotStartWith("joe", false)', false],
      ['email.endsWith("work.COM", false)', true],
      ['email.contains("lean@")', true],
      ['email.equals("joe.lean@work.com", false)', true],
      ['email.notEqualTo("joe.lean@work.com", false)', false],
      ['name like "J_hnny"', true],
      ['name like "j%"', false],
      ['name like "John"', false],
      ['name matches "^John"', true],
      ['name matches "john"', false],
      ['name matches "(?i)^JOHN"', true],
      ['name.matches("nn")', true],
    ])('%s is %s', (expression, expected) => {
      expect(qualifies(expression, context)).toBe(expected);
    });

    it('returns a regex group or null', () => {
      expect(evaluate('email.regexGroup("@(\\\\w+)", 1)', context)).toBe('Work');
      expect(evaluate('email.regexGroup("#(\\\\w+)", 1)', context)).toBeNull();
    });
  });

  describe('arrays, maps and bindings', () => {
    const context = aContext()
      .withProfile({
        person: { gender: 'female', colors: ['red', 'blue', 'red'] },
        orders: [
          { id: 'o1', price: 10 },
          { id: 'o2', price: 30 },
          { id: 'o3', price: 20 },
        ],
        identityMap: { ECID: [{ id: 'e1' }], Email: [{ id: 'a@b.c' }] },
      })
      .withEvent({ eventType: 'view', productListItems: [{ SKU: 'A' }, { SKU: 'B' }] })
      .withEvent({ eventType: 'buy', productListItems: [{ SKU: 'A' }] })
      .build();

    it.each([
      [
        'orders.topN(price, 2)',
        [
          { id: 'o2', price: 30 },
          { id: 'o3', price: 20 },
        ],
      ],
      ['orders.bottomN(price, 1)', [{ id: 'o1', price: 10 }]],
      ['orders.head()', { id: 'o1', price: 10 }],
      ['orders.filter(price > 15).count()', 2],
      ['orders.average(price)', 20],
      ['orders.max(price)', 30],
      ['person.colors.distinct()', ['red', 'blue']],
      ['person.colors.intersection(["blue", "green"])', ['blue']],
      ['identityMap.keys()', ['ECID', 'Email']],
      ['identityMap.get("ECID")', [{ id: 'e1' }]],
      ['identityMap["Email"].head().id', 'a@b.c'],
      ['xEvent.groupBy(eventType).map((K, G) => mapEntry(K, G.count()))', { view: 1, buy: 1 }],
      ['let S = orders.sum(price), N = orders.count() in S / N', 20],
      ['sum O.price over O from orders where O.price > 10', 50],
      [
        'select E from xEvent where E.eventType = "buy", I from E.productListItems',
        [[expect.anything(), { SKU: 'A' }]],
      ],
      ['(P) => P.person.gender', 'female'],
      ['$1.person.gender', 'female'],
      ['if(orders.count() > 2, "many", "few")', 'many'],
    ])('%s', (expression, expected) => {
      expect(evaluate(expression, context)).toEqual(expected);
    });

    it.each([
      ['exists E from xEvent: E.eventType = "buy"', true],
      ['forall E from xEvent: E.productListItems.SKU.includes("B")', false],
      ['forall E from xEvent: E.productListItems.SKU.includes("A")', true],
      [
        'forall E from xEvent where E.eventType != "x", I from E.productListItems where I.SKU in ["A", "B"]',
        true,
      ],
      ['forall E from xEvent where E.eventType != "x", I from E.productListItems where I.SKU = "A"', false],
      ['xEvent[productListItems[SKU = "B" and ^.eventType = "view" and ^^.person.gender = "female"]]', true],
      ['xEvent[productListItems[SKU = "B" and ^.eventType = "buy"]]', false],
      ['person.colors.subsetOf(["red", "blue", "green"])', true],
      ['person.colors.supersetOf(["red", "green"])', false],
    ])('%s is %s', (expression, expected) => {
      expect(qualifies(expression, context)).toBe(expected);
    });

    it('evaluates one compiled expression against many profiles without carrying state over', () => {
      const sut = compile('select X from xEvent where X.eventType = "buy"');
      const buyer = aContext().withEvent({ eventType: 'buy' }).build();
      const viewer = aContext().withEvent({ eventType: 'view' }).build();

      expect([sut.test(buyer), sut.test(viewer), sut.test(buyer)]).toEqual([true, false, true]);
    });
  });
});
