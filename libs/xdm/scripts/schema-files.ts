import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Parsed JSON of an Avro schema, as written in an .avsc file. */
export type AvscJson = string | AvscJson[] | { [key: string]: any };

export interface AvscFile {
  /** Path relative to the schemas folder, with forward slashes. */
  readonly path: string;
  readonly schema: { [key: string]: any };
  /** Full name of the type the file defines. */
  readonly fullName: string;
}

export interface ResolvedSchema {
  readonly fullName: string;
  readonly path: string;
  /** The file's schema with every type it names from another file inlined, ready for a schema registry. */
  readonly schema: { [key: string]: any };
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);

export function readAvscFiles(dir: string): AvscFile[] {
  const paths = (readdirSync(dir, { recursive: true }) as string[])
    .filter((p) => p.endsWith('.avsc'))
    .map((p) => relative(dir, join(dir, p)).split('\\').join('/'))
    .sort();
  return paths.map((path) => {
    const schema = JSON.parse(readFileSync(join(dir, path), 'utf8'));
    if (typeof schema !== 'object' || Array.isArray(schema) || !NAMED.has(schema.type)) {
      throw new Error(`${path}: an .avsc file must define one named type (record, enum or fixed)`);
    }
    return { path, schema, fullName: fullNameOf(schema, '') };
  });
}

/**
 * Makes every file self-contained: a name defined in another file (at any depth) is replaced by that
 * definition where it is first used, as Avro requires, and later uses stay references.
 */
export function resolveSchemas(files: readonly AvscFile[]): ResolvedSchema[] {
  const definitions = new Map<string, { schema: { [key: string]: any }; path: string }>();
  for (const file of files) collectDefinitions(file.schema, '', file.path, definitions);
  return files.map((file) => ({
    fullName: file.fullName,
    path: file.path,
    schema: inline(file.schema, '', new Set(), definitions) as { [key: string]: any },
  }));
}

function fullNameOf(schema: { name: string; namespace?: string }, enclosing: string): string {
  if (schema.name.includes('.')) return schema.name;
  const namespace = schema.namespace ?? enclosing;
  return namespace ? `${namespace}.${schema.name}` : schema.name;
}

function namespaceOf(fullName: string): string {
  return fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : '';
}

function resolveName(name: string, enclosing: string): string {
  return name.includes('.') || !enclosing ? name : `${enclosing}.${name}`;
}

function collectDefinitions(
  schema: AvscJson,
  enclosing: string,
  path: string,
  out: Map<string, { schema: { [key: string]: any }; path: string }>,
): void {
  if (typeof schema === 'string') return;
  if (Array.isArray(schema)) {
    for (const branch of schema) collectDefinitions(branch, enclosing, path, out);
    return;
  }
  if (NAMED.has(schema.type)) {
    const fullName = fullNameOf(schema as { name: string }, enclosing);
    const existing = out.get(fullName);
    if (existing) throw new Error(`${path}: type ${fullName} is already defined in ${existing.path}`);
    out.set(fullName, { schema, path });
    for (const field of schema.fields ?? []) collectDefinitions(field.type, namespaceOf(fullName), path, out);
    return;
  }
  if (schema.type === 'array') collectDefinitions(schema.items, enclosing, path, out);
  else if (schema.type === 'map') collectDefinitions(schema.values, enclosing, path, out);
  else if (typeof schema.type === 'object') collectDefinitions(schema.type, enclosing, path, out);
}

function inline(
  schema: AvscJson,
  enclosing: string,
  defined: Set<string>,
  definitions: Map<string, { schema: { [key: string]: any } }>,
): AvscJson {
  if (typeof schema === 'string') {
    if (PRIMITIVES.has(schema)) return schema;
    const fullName = resolveName(schema, enclosing);
    if (defined.has(fullName)) return fullName;
    const definition = definitions.get(fullName);
    if (!definition) throw new Error(`unknown Avro type ${schema} (resolved as ${fullName})`);
    return inline(
      { ...definition.schema, name: fullName.split('.').pop(), namespace: namespaceOf(fullName) },
      enclosing,
      defined,
      definitions,
    );
  }
  if (Array.isArray(schema)) return schema.map((branch) => inline(branch, enclosing, defined, definitions));
  if (NAMED.has(schema.type)) {
    const fullName = fullNameOf(schema as { name: string }, enclosing);
    defined.add(fullName);
    const ns = namespaceOf(fullName);
    const { name: _name, namespace: _namespace, ...rest } = schema;
    const named: { [key: string]: any } = { name: fullName.split('.').pop(), namespace: ns, ...rest };
    if (schema.fields) {
      named.fields = schema.fields.map((field: { type: AvscJson }) => ({
        ...field,
        type: inline(field.type, ns, defined, definitions),
      }));
    }
    return reorder(named);
  }
  if (schema.type === 'array')
    return { ...schema, items: inline(schema.items, enclosing, defined, definitions) };
  if (schema.type === 'map')
    return { ...schema, values: inline(schema.values, enclosing, defined, definitions) };
  if (typeof schema.type === 'object' || !PRIMITIVES.has(schema.type)) {
    return { ...schema, type: inline(schema.type, enclosing, defined, definitions) };
  }
  return schema;
}

/** Keeps `type` first, as hand-written schemas have it. */
function reorder(schema: { [key: string]: any }): { [key: string]: any } {
  const { type, ...rest } = schema;
  return { type, ...rest };
}
