import { aRecord } from '../../test/avro-fixtures';
import { InvalidAvroSchemaError, parseAvroSchema } from './avro-schema';

describe(parseAvroSchema.name, () => {
  const schema = aRecord().field('id', 'string').optional('note', 'string').schema();

  it('gives schemas that differ only in whitespace and key order the same fingerprint', () => {
    const reordered = JSON.stringify(
      { fields: [{ type: 'string', name: 'id' }, { default: null, name: 'note', type: ['null', 'string'] }], name: 'Event', namespace: 'io.weft.test', type: 'record' },
      null,
      4,
    );
    const sut = parseAvroSchema(reordered);
    expect(sut.fingerprint).toBe(parseAvroSchema(JSON.stringify(schema)).fingerprint);
    expect(sut.text).not.toContain('\n');
  });

  it('keeps field order, defaults and logical types in the identity', () => {
    const base = parseAvroSchema(JSON.stringify(schema)).fingerprint;
    const swapped = aRecord().optional('note', 'string').field('id', 'string').text();
    const otherDefault = aRecord().field('id', 'string').field('note', ['string', 'null'], { default: '' }).text();
    const logical = aRecord().field('id', 'string').field('at', { type: 'long', logicalType: 'timestamp-millis' }).text();
    const plain = aRecord().field('id', 'string').field('at', 'long').text();
    expect(parseAvroSchema(swapped).fingerprint).not.toBe(base);
    expect(parseAvroSchema(otherDefault).fingerprint).not.toBe(base);
    expect(parseAvroSchema(logical).fingerprint).not.toBe(parseAvroSchema(plain).fingerprint);
  });

  it("refuses invalid Avro with avsc's message", () => {
    const sut = () => parseAvroSchema(aRecord().field('id', 'Missing').text());
    expect(sut).toThrow(InvalidAvroSchemaError);
    expect(sut).toThrow('Invalid schema: undefined type name: io.weft.test.Missing');
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseAvroSchema('{"type": "record",')).toThrow(/^Invalid schema: not valid JSON/);
  });

  it('accepts primitive schemas such as string keys', () => {
    expect(parseAvroSchema('"string"').text).toBe('"string"');
  });
});
