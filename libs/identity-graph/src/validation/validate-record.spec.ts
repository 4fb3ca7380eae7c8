import { aConfig, ecid, id, record } from '../../test/identity-graph.fixtures';
import { validateRecord, VALIDATION_EFFECTS } from '../index';

const sut = (...identities: Parameters<typeof record>[1][]) =>
  validateRecord(record(0, ...identities), aConfig().build());

describe(validateRecord.name, () => {
  it('accepts valid identities, once each, in the order given', () => {
    expect(sut(id('CRMID', 'tom'), ecid(1), id('CRMID', 'tom'))).toEqual({
      status: 'accepted',
      identities: [id('CRMID', 'tom'), ecid(1)],
      issues: [],
    });
  });

  it.each(['null', 'anonymous', 'invalid', 'NULL', 'Anonymous', '', '   '])(
    'drops the placeholder value %j and keeps the rest of the record',
    (value) => {
      const result = sut(id('CRMID', 'tom'), id('Email', value), ecid(1));

      expect(result).toMatchObject({ status: 'accepted', identities: [id('CRMID', 'tom'), ecid(1)] });
      expect(result.issues).toEqual([
        expect.objectContaining({
          code: 'IDENTITY_BLOCKED_VALUE',
          effect: 'IDENTITY_DROPPED',
          identity: id('Email', value),
        }),
      ]);
      expect(result.issues[0].message).toContain(`Email:${JSON.stringify(value)}`);
    },
  );

  it('drops an identity of a namespace that is not configured', () => {
    const result = sut(id('CRMID', 'tom'), id('PartnerID', 'p-1'));

    expect(result).toMatchObject({ status: 'accepted', identities: [id('CRMID', 'tom')] });
    expect(result.issues).toEqual([expect.objectContaining({ code: 'IDENTITY_UNKNOWN_NAMESPACE' })]);
    expect(result.issues[0].message).toMatch(/PartnerID:"p-1".*not a configured/);
  });

  it.each([
    ['too short', '111'],
    ['37 digits', '1'.repeat(37)],
    ['39 digits', '1'.repeat(39)],
    ['not only digits', `${'1'.repeat(37)}a`],
  ])('skips the whole record for an ECID that is %s', (_, value) => {
    const result = sut(id('CRMID', 'tom'), id('Email', 'tom@acme.com'), id('ECID', value));

    expect(result.status).toBe('skipped');
    expect(result.issues).toEqual([
      expect.objectContaining({
        code: 'IDENTITY_INVALID_ECID',
        effect: 'RECORD_SKIPPED',
        identity: id('ECID', value),
      }),
    ]);
    expect(result.issues[0].message).toMatch(/ECID:".*" is not a valid ECID \(exactly 38 digits/);
  });

  it('treats a blank ECID as a missing value, not a malformed one', () => {
    expect(sut(id('CRMID', 'tom'), id('ECID', ' '), id('Email', 'x')).status).toBe('accepted');
  });

  it('skips the whole record for a value longer than 1024 characters', () => {
    const result = sut(id('CRMID', 'tom'), id('Email', 'x'.repeat(1025)));

    expect(result.status).toBe('skipped');
    expect(result.issues).toEqual([expect.objectContaining({ code: 'IDENTITY_VALUE_TOO_LONG' })]);
    expect(result.issues[0].message).toMatch(/Email:"x{32}…" is 1025 characters long, more than the 1024/);
    expect(sut(id('CRMID', 'tom'), id('Email', 'x'.repeat(1024))).status).toBe('accepted');
  });

  it('skips a record carrying more than 20 identities', () => {
    const many = Array.from({ length: 21 }, (_, n) => ecid(n + 1));

    const result = sut(...many);

    expect(result.status).toBe('skipped');
    expect(result.issues).toEqual([
      expect.objectContaining({ code: 'RECORD_TOO_MANY_IDENTITIES', effect: 'RECORD_SKIPPED' }),
    ]);
    expect(result.issues[0].message).toContain('21 identities, more than the 20 allowed');
    expect(sut(...many.slice(1)).status).toBe('accepted');
  });

  it('reports every problem of a record, not only the first', () => {
    const result = sut(id('Email', 'null'), id('ECID', '1'), id('Other', 'x'));

    expect(result.issues.map((i) => i.code)).toEqual([
      'IDENTITY_BLOCKED_VALUE',
      'IDENTITY_INVALID_ECID',
      'IDENTITY_UNKNOWN_NAMESPACE',
    ]);
  });

  it('gives every code a fixed effect', () => {
    expect(VALIDATION_EFFECTS).toEqual({
      IDENTITY_UNKNOWN_NAMESPACE: 'IDENTITY_DROPPED',
      IDENTITY_BLOCKED_VALUE: 'IDENTITY_DROPPED',
      IDENTITY_INVALID_ECID: 'RECORD_SKIPPED',
      IDENTITY_VALUE_TOO_LONG: 'RECORD_SKIPPED',
      RECORD_TOO_MANY_IDENTITIES: 'RECORD_SKIPPED',
    });
  });
});
