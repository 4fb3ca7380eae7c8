import { Type, type Schema } from 'avsc';

type FieldType = Schema | string;

export interface RecordSchema {
  type: 'record';
  name: string;
  namespace: string;
  fields: { name: string; type: FieldType; default?: unknown }[];
}

/** Builds record schemas field by field, so each compatibility case states only what differs. */
export class RecordSchemaBuilder {
  private readonly fields: { name: string; type: FieldType; default?: unknown }[] = [];

  constructor(private readonly name: string) {}

  field(name: string, type: FieldType, options: { default?: unknown } = {}): this {
    this.fields.push({ name, type, ...options });
    return this;
  }

  /** An optional field: `null` or `type`, defaulting to null. */
  optional(name: string, type: FieldType): this {
    return this.field(name, ['null', type] as Schema, { default: null });
  }

  schema(): RecordSchema {
    return { type: 'record', name: this.name, namespace: 'io.weft.test', fields: [...this.fields] };
  }

  text(): string {
    return JSON.stringify(this.schema());
  }

  type(): Type {
    return Type.forSchema(this.schema() as Schema);
  }
}

export const aRecord = (name = 'Event') => new RecordSchemaBuilder(name);

export const anEnum = (symbols: string[], options: { default?: string } = {}): Schema =>
  ({ type: 'enum', name: 'Status', namespace: 'io.weft.test', symbols, ...options }) as Schema;
