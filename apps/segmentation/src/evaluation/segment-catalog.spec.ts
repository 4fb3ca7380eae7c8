import { SegmentCatalog, type SegmentDefinition } from './segment-catalog';
import { SegmentCycleError } from './segment-order';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const HOUR = 3_600_000;
const def = (id: string, expression: string, mergePolicyId: string | null = null): SegmentDefinition => ({
  id,
  name: id,
  expression,
  mergePolicyId,
});
const checkout = (hoursAgo: number) => ({ _id: `e${hoursAgo}`, eventType: 'commerce.checkouts', timestamp: NOW - hoursAgo * HOUR });
const RECENT_CHECKOUT = 'select X from xEvent where X.eventType = "commerce.checkouts" and X.timestamp occurs <= 24 hours before now';

describe(SegmentCatalog.name, () => {
  const sut = new SegmentCatalog([
    def('vip', 'inSegment("us") and inSegment("checkout")'),
    def('us', 'homeAddress.countryISO = "US"'),
    def('checkout', RECENT_CHECKOUT),
    def('frequent', 'xEvent[eventType = "commerce.checkouts"].count() > 3'),
    def('us-eu-policy', 'homeAddress.countryISO = "US"', 'eu'),
  ]);

  it('orders segments after what they reference and derives their methods', () => {
    expect(sut.ordered.map((d) => d.id)).toEqual(['us', 'checkout', 'vip', 'frequent', 'us-eu-policy']);
    expect(Object.fromEntries([...sut.traits].map(([id, t]) => [id, t.method]))).toEqual({
      us: 'edge',
      checkout: 'edge',
      vip: 'edge',
      frequent: 'batch',
      'us-eu-policy': 'edge',
    });
  });

  it('marks segments depending on time, directly or through a reference', () => {
    expect(sut.timeBoundStreamingIds).toEqual(['checkout', 'vip']);
    expect(sut.streaming.segments.map((s) => s.id)).toEqual(['us', 'checkout', 'vip', 'us-eu-policy']);
  });

  it('evaluates segments of segments from the results of the same pass', () => {
    const subject = { attributes: { homeAddress: { countryISO: 'US' } }, events: [checkout(2)], mergePolicyId: 'default' };

    expect(sut.all.qualifying(subject, NOW)).toEqual(new Set(['us', 'checkout', 'vip']));
    expect(sut.all.qualifying(subject, NOW + 23 * HOUR)).toEqual(new Set(['us']));
  });

  it('only qualifies profiles merged with the segment merge policy', () => {
    const subject = { attributes: { homeAddress: { countryISO: 'US' } }, events: [], mergePolicyId: 'eu' };

    expect(sut.all.qualifying(subject, NOW)).toEqual(new Set(['us', 'us-eu-policy']));
  });

  it('answers inSegment of segments outside a plan from the caller', () => {
    const plan = new SegmentCatalog([def('after-frequent', 'inSegment("frequent") and person.age > 30'), def('frequent', 'xEvent.count() > 3')]);
    const subject = { attributes: { person: { age: 40 } }, events: [], mergePolicyId: 'default' };

    expect(plan.streaming.qualifying(subject, NOW, (id) => id === 'frequent')).toEqual(new Set(['after-frequent']));
    expect(plan.streaming.qualifying(subject, NOW, () => false)).toEqual(new Set());
  });

  it('plans one segment with what it references', () => {
    expect(sut.planFor('vip').segments.map((s) => s.id)).toEqual(['us', 'checkout', 'vip']);
  });

  it('refuses definitions that reference each other in a cycle', () => {
    expect(() => new SegmentCatalog([def('a', 'inSegment("b")'), def('b', 'inSegment("a")')])).toThrow(SegmentCycleError);
  });
});
