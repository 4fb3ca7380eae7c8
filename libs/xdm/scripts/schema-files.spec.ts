import { resolveSchemas, type AvscFile } from './schema-files';

const file = (path: string, schema: Record<string, any>): AvscFile => ({
  path,
  schema,
  fullName: `${schema.namespace}.${schema.name}`,
});

describe(resolveSchemas.name, () => {
  const key = file('Key.avsc', {
    type: 'record',
    name: 'Key',
    namespace: 'a',
    fields: [{ name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['x', 'y'] } }],
  });

  it('inlines a type from another file where it is first used and refers to it afterwards', () => {
    const pair = file('Pair.avsc', {
      type: 'record',
      name: 'Pair',
      namespace: 'b',
      fields: [
        { name: 'left', type: 'a.Key' },
        { name: 'right', type: ['null', 'a.Key'], default: null },
        { name: 'kind', type: 'a.Kind' },
      ],
    });

    const [, sut] = resolveSchemas([key, pair]);

    expect(sut.schema.fields[0].type).toEqual({
      type: 'record',
      name: 'Key',
      namespace: 'a',
      fields: key.schema.fields.map((f: any) => ({ ...f, type: { ...f.type, namespace: 'a' } })),
    });
    expect(sut.schema.fields[1].type).toEqual(['null', 'a.Key']);
    expect(sut.schema.fields[2].type).toBe('a.Kind');
  });

  it('refuses an unknown name and a name defined twice', () => {
    const broken = file('Broken.avsc', {
      type: 'record',
      name: 'Broken',
      namespace: 'b',
      fields: [{ name: 'k', type: 'Nope' }],
    });

    expect(() => resolveSchemas([broken])).toThrow('unknown Avro type Nope (resolved as b.Nope)');
    expect(() => resolveSchemas([key, { ...key, path: 'Copy.avsc' }])).toThrow(
      'type a.Key is already defined in Key.avsc',
    );
  });
});
