import fc from 'fast-check';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { fastDefaultPartitioner, murmur2 } from './partitioner';

// kafkajs's own murmur2 (64-bit long emulation), the reference the fast one must equal.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const referenceMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer) => number;

const metadata = (n: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe(murmur2.name, () => {
  it('equals the Java client hash for known keys', () => {
    // Values of org.apache.kafka.common.utils.Utils.murmur2 (as used by its own tests).
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(Buffer.from('abc'))).toBe(479470107);
  });

  it('equals kafkajs for any key', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => murmur2(Buffer.from(bytes)) === referenceMurmur2(Buffer.from(bytes))), {
      numRuns: 2_000,
    });
  });
});

describe('fastDefaultPartitioner', () => {
  it('puts every keyed message on the partition kafkajs would choose', () => {
    const sut = fastDefaultPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (key, n) => {
        const args = { topic: 't', partitionMetadata: metadata(n), message: { key, value: null } };
        return sut(args) === reference(args);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps an explicit partition and spreads keyless messages over every partition', () => {
    const sut = fastDefaultPartitioner();
    expect(sut({ topic: 't', partitionMetadata: metadata(3), message: { key: 'k', value: null, partition: 2 } })).toBe(2);
    const seen = new Set(Array.from({ length: 30 }, () => sut({ topic: 't', partitionMetadata: metadata(3), message: { value: null } })));
    expect(seen).toEqual(new Set([0, 1, 2]));
  });
});
