import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldSpec, XdmClass } from '../src/xdm-schemas/field-spec';
import { compileSchema, type SchemaDefinition } from '../src/xdm-schemas/schema-compiler';
import { standardFieldGroup, STANDARD_FIELD_GROUPS } from '../src/xdm-schemas/standard-field-groups';
import type { DatasetTarget } from '../src/ingest/document-validator';

export const EXAMPLES_DIR = join(__dirname, 'fixtures/examples');

/** XDM example payloads copied from the public adobe/xdm repository (CC BY 4.0, see fixtures/examples/README.md). */
export function loadExample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8')) as Record<string, unknown>;
}

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR).filter((f) => /\.example\.\d+\.json$/.test(f));
}

export const PROFILE_GROUPS = STANDARD_FIELD_GROUPS.filter((g) => g.classes.includes('profile')).map((g) => g.id);
export const EVENT_GROUPS = STANDARD_FIELD_GROUPS.filter((g) => g.classes.includes('experienceevent')).map((g) => g.id);

/** A schema definition with every standard field group of its class unless told otherwise. */
export function aSchema(overrides: Partial<SchemaDefinition> & { class?: XdmClass } = {}): SchemaDefinition {
  const cls = overrides.class ?? 'experienceevent';
  return {
    id: 'test-schema',
    title: 'Test schema',
    class: cls,
    fieldGroups: cls === 'profile' ? PROFILE_GROUPS : EVENT_GROUPS,
    customFields: {},
    strict: false,
    version: 1,
    ...overrides,
  };
}

export function aDataset(
  schema: Partial<SchemaDefinition> = {},
  overrides: Partial<Omit<DatasetTarget, 'schema'>> = {},
): DatasetTarget {
  const definition = aSchema(schema);
  return {
    id: 'ds-test',
    kind: definition.class === 'profile' ? 'record' : 'event',
    schema: compileSchema(definition, standardFieldGroup, 'acme'),
    payloadSchemaId: null,
    validateEcid: true,
    ...overrides,
  };
}

export const ECID = '12345678901234567890123456789012345678';

/** A valid plain-form web event; `with` deep-merges nothing, it replaces top-level fields. */
export function anEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _id: 'evt-1',
    timestamp: '2026-01-02T03:04:05Z',
    eventType: 'web.webpagedetails.pageViews',
    identityMap: { ECID: [{ id: ECID }] },
    web: { webPageDetails: { name: 'home', URL: 'https://example.com/', pageViews: { value: 1 } } },
    ...overrides,
  };
}

export function aProfile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _id: 'rec-1',
    identityMap: { CRMID: [{ id: 'crm-1', primary: true }], Email: [{ id: 'jane@example.com' }] },
    person: { name: { firstName: 'Jane', lastName: 'Doe' } },
    personalEmail: { address: 'jane@example.com' },
    ...overrides,
  };
}

export type { FieldSpec };
