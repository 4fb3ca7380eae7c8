import { fieldLabelsFromSchemas, labelsForPath } from './schema-labels';

const schemas = {
  items: [
    {
      id: 'profile-schema',
      class: 'profile',
      fields: {
        type: 'object',
        properties: {
          personalEmail: { type: 'object', properties: { address: { type: 'string', labels: ['C2', 'I1'] } } },
          interests: { type: 'array', labels: ['C5'], items: { type: 'object', properties: { name: { type: 'string' } } } },
          person: { type: 'object', properties: { name: { type: 'object', properties: { firstName: { type: 'string' } } } } },
        },
      },
    },
  ],
};

describe(fieldLabelsFromSchemas.name, () => {
  const sut = fieldLabelsFromSchemas(schemas);

  it('finds labelled fields by dotted path whatever wraps the schemas', () => {
    expect([...(sut.get('personalEmail.address') ?? [])].sort()).toEqual(['C2', 'I1']);
  });

  it('gives array items the labels of their array, without a path step', () => {
    expect([...(sut.get('interests.name') ?? [])]).toEqual(['C5']);
  });

  it('records nothing for unlabelled fields', () => {
    expect(sut.has('person.name.firstName')).toBe(false);
  });
});

describe(labelsForPath.name, () => {
  const labels = fieldLabelsFromSchemas(schemas);
  it('includes labels of children when a parent object is mapped', () => {
    expect(labelsForPath(labels, 'personalEmail')).toEqual(['C2', 'I1']);
  });
  it('is empty for unlabelled paths', () => {
    expect(labelsForPath(labels, 'person.name.firstName')).toEqual([]);
  });
});
