import { Type, types } from 'avsc';
import type { ForSchemaOptions } from 'avsc';

/**
 * Logical types are registered so parsed types remember them (toAvro/fromAvro convert XDM date-time and
 * date strings, and `schema({ exportAttrs: true })` keeps `logicalType`), while values stay plain numbers:
 * epoch milliseconds for timestamp-millis, days since the epoch for date. Numbers survive JSON and
 * structured logging unchanged, which Date objects do not.
 */
abstract class NumericLogicalType extends types.LogicalType {
  protected abstract readonly underlying: 'long' | 'int';

  protected override _fromValue(value: number): number {
    return value;
  }

  protected override _toValue(value: unknown): unknown {
    return value;
  }

  protected override _resolve(writer: Type): ((value: number) => number) | undefined {
    return Type.isType(writer, this.underlying, `logical:${this.logicalTypeName()}`) ? (v) => v : undefined;
  }

  private logicalTypeName(): string {
    return this.typeName.slice('logical:'.length);
  }
}

export class TimestampMillisType extends NumericLogicalType {
  protected readonly underlying = 'long' as const;
}

export class DateType extends NumericLogicalType {
  protected readonly underlying = 'int' as const;
}

/**
 * Options every Weft service uses to parse Avro schemas, so values decode the same everywhere.
 * A fresh object each time: avsc stores the named types it parses in `options.registry`, so sharing one
 * options object between schemas makes the second definition of a name fail as a duplicate.
 */
export function avroParseOptions(): Partial<ForSchemaOptions> {
  return { logicalTypes: { 'timestamp-millis': TimestampMillisType, date: DateType }, wrapUnions: 'auto' };
}

export function parseAvroSchema(schema: unknown): Type {
  return Type.forSchema(schema as Parameters<typeof Type.forSchema>[0], avroParseOptions());
}
