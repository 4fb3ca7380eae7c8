import type { FieldSpec } from './field-spec';
import type { SchemaDefinition } from './schema-compiler';

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The Avro form of an XDM schema, registered in the schema registry so Kafka producers can write documents of
 * the dataset in Confluent wire format. Every field is optional (`["null", T]`, default null), so adding optional
 * fields (the only change a schema accepts) is a backward-compatible Avro change. Date-times are timestamp-millis,
 * dates are date; maps stay maps. Free-form objects and names Avro cannot spell are left out (such fields are
 * still accepted from the JSON inlets).
 */
export function toAvroSchema(definition: SchemaDefinition, root: FieldSpec): object {
  const namespace = `io.weft.xdm.schema.${sanitize(definition.id)}`;
  return recordOf(root, 'XdmDocument', namespace, []) ?? { type: 'record', name: 'XdmDocument', namespace, fields: [] };
}

function recordOf(field: FieldSpec, name: string, namespace: string, path: string[]): object | undefined {
  const fields: object[] = [];
  for (const [key, child] of Object.entries(field.properties ?? {})) {
    if (!AVRO_NAME.test(key)) continue;
    const type = avroType(child, namespace, [...path, key]);
    if (type === undefined) continue;
    fields.push({ name: key, type: ['null', type], default: null, ...(child.description ? { doc: child.description } : {}) });
  }
  if (!fields.length) return undefined;
  return { type: 'record', name, namespace, fields };
}

function avroType(field: FieldSpec, namespace: string, path: string[]): unknown {
  switch (field.type) {
    case 'string':
      if (field.format === 'date-time') return { type: 'long', logicalType: 'timestamp-millis' };
      if (field.format === 'date') return { type: 'int', logicalType: 'date' };
      return 'string';
    case 'number':
      return 'double';
    case 'integer':
      return 'long';
    case 'boolean':
      return 'boolean';
    case 'array': {
      if (!field.items) return undefined;
      const items = avroType(field.items, namespace, [...path, 'item']);
      return items === undefined ? undefined : { type: 'array', items };
    }
    case 'object': {
      if (field.additionalProperties) {
        const values = avroType(field.additionalProperties, namespace, [...path, 'value']);
        return values === undefined ? undefined : { type: 'map', values };
      }
      return recordOf(field, path.map(sanitize).join('_'), namespace, path);
    }
  }
}

function sanitize(s: string): string {
  const clean = s.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(clean) ? clean : `_${clean}`;
}
