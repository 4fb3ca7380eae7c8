/**
 * `uuid` (which @dsnp/parquetjs reaches through thrift) is published as ES modules only. Node loads it from CommonJS,
 * jest does not unless the workspace preset transforms it, so test files that read Parquet put this in thrift's `uuid`:
 * `jest.mock(require.resolve('uuid', { paths: [require.resolve('thrift')] }), () => jest.requireActual('<this file>'))`.
 * Thrift only uses parse and stringify.
 */
export function parse(uuid: string): Uint8Array {
  return Uint8Array.from(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}

export function stringify(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
