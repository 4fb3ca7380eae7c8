import { ParquetSchema, ParquetWriter } from '@dsnp/parquetjs';

/** Columns of the customers Parquet file: strings, a 64-bit integer, a double, a timestamp and an optional string. */
export const CUSTOMERS_PARQUET_SCHEMA = new ParquetSchema({
  customer_id: { type: 'UTF8' },
  email: { type: 'UTF8' },
  points: { type: 'INT64' },
  redeemed: { type: 'DOUBLE' },
  signed_up: { type: 'TIMESTAMP_MILLIS' },
  first_name: { type: 'UTF8', optional: true },
});

export interface CustomerRow {
  customer_id: string;
  email: string;
  points: number | bigint;
  redeemed: number;
  signed_up: Date;
  first_name?: string;
}

/** Writes `rows` with the library's own writer, as a producer of Parquet files would. */
export async function writeCustomersParquet(file: string, rows: CustomerRow[]): Promise<void> {
  const writer = await ParquetWriter.openFile(CUSTOMERS_PARQUET_SCHEMA, file);
  for (const row of rows) await writer.appendRow({ ...row });
  await writer.close();
}

/** A mapping from the customers columns to a profile. */
export const CUSTOMERS_PARQUET_MAPPING = {
  fields: [
    { target: '_id', source: 'customer_id' },
    { target: 'identityMap.Email[0].id', source: 'email', transforms: [{ fn: 'trim' }, { fn: 'lowercase' }] },
    { target: 'personalEmail.address', source: 'email', transforms: [{ fn: 'trim' }, { fn: 'lowercase' }] },
    { target: 'loyalty.points', source: 'points', transforms: [{ fn: 'number' }] },
    { target: 'loyalty.pointsRedeemed', source: 'redeemed' },
    { target: '_repo.createDate', source: 'signed_up', transforms: [{ fn: 'date', format: 'iso' }] },
    { target: 'person.name.firstName', source: 'first_name' },
  ],
};
