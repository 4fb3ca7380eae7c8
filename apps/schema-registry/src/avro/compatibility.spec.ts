import type { Type } from 'avsc';
import { aRecord, anEnum } from '../../test/avro-fixtures';
import { COMPATIBILITY_LEVELS, compatibilityProblems, type CompatibilityLevel } from './compatibility';

const history = (...types: Type[]) => types.map((type, i) => ({ version: i + 1, type }));

/** Whether `candidate` may follow `previous` (oldest first) under `level`. */
const allows = (level: CompatibilityLevel, previous: Type[], candidate: Type) =>
  compatibilityProblems(level, candidate, history(...previous)).length === 0;

describe(compatibilityProblems.name, () => {
  const v1 = aRecord().field('id', 'string').field('count', 'int').type();

  it('accepts anything as the first version of a subject, whatever the level', () => {
    for (const level of COMPATIBILITY_LEVELS) expect(compatibilityProblems(level, v1, [])).toEqual([]);
  });

  describe('adding an optional field with a default', () => {
    const sut = aRecord().field('id', 'string').field('count', 'int').optional('note', 'string').type();

    it.each(COMPATIBILITY_LEVELS)('is allowed under %s', (level) => {
      expect(allows(level, [v1], sut)).toBe(true);
    });
  });

  describe('adding a required field without a default', () => {
    const sut = aRecord().field('id', 'string').field('count', 'int').field('email', 'string').type();

    it.each<[CompatibilityLevel, boolean]>([
      ['NONE', true],
      ['BACKWARD', false],
      ['BACKWARD_TRANSITIVE', false],
      ['FORWARD', true],
      ['FORWARD_TRANSITIVE', true],
      ['FULL', false],
      ['FULL_TRANSITIVE', false],
    ])('under %s is allowed: %s', (level, allowed) => {
      expect(allows(level, [v1], sut)).toBe(allowed);
    });

    it('names the field in the problem', () => {
      expect(compatibilityProblems('BACKWARD', sut, history(v1))).toEqual([
        expect.stringMatching(/^BACKWARD: the new schema cannot read data written with version 1: .*email/),
      ]);
    });
  });

  describe('removing a field that has no default', () => {
    const sut = aRecord().field('id', 'string').type();

    it.each<[CompatibilityLevel, boolean]>([
      ['NONE', true],
      ['BACKWARD', true],
      ['BACKWARD_TRANSITIVE', true],
      ['FORWARD', false],
      ['FORWARD_TRANSITIVE', false],
      ['FULL', false],
      ['FULL_TRANSITIVE', false],
    ])('under %s is allowed: %s', (level, allowed) => {
      expect(allows(level, [v1], sut)).toBe(allowed);
    });
  });

  describe('removing a field that had a default', () => {
    const previous = aRecord().field('id', 'string').field('count', 'int', { default: 0 }).type();
    const sut = aRecord().field('id', 'string').type();

    it.each(COMPATIBILITY_LEVELS)('is allowed under %s', (level) => {
      expect(allows(level, [previous], sut)).toBe(true);
    });
  });

  describe('changing a field type', () => {
    const toString = aRecord().field('id', 'string').field('count', 'string').type();
    const toLong = aRecord().field('id', 'string').field('count', 'long').type();

    it.each<[CompatibilityLevel, boolean]>([
      ['NONE', true],
      ['BACKWARD', false],
      ['FORWARD', false],
      ['FULL', false],
    ])('int to string under %s is allowed: %s', (level, allowed) => {
      expect(allows(level, [v1], toString)).toBe(allowed);
    });

    it.each<[CompatibilityLevel, boolean]>([
      ['BACKWARD', true],
      ['FORWARD', false],
      ['FULL', false],
    ])('int to long (a promotion) under %s is allowed: %s', (level, allowed) => {
      expect(allows(level, [v1], toLong)).toBe(allowed);
    });
  });

  describe('enum symbols', () => {
    const withStatus = (symbols: string[], options?: { default?: string }) =>
      aRecord().field('id', 'string').field('status', anEnum(symbols, options)).type();
    const previous = withStatus(['ACTIVE', 'INACTIVE']);

    it.each<[CompatibilityLevel, boolean]>([
      ['NONE', true],
      ['BACKWARD', true],
      ['FORWARD', false],
      ['FULL', false],
    ])('adding a symbol under %s is allowed: %s', (level, allowed) => {
      expect(allows(level, [previous], withStatus(['ACTIVE', 'INACTIVE', 'BANNED']))).toBe(allowed);
    });

    it.each<[CompatibilityLevel, boolean]>([
      ['NONE', true],
      ['BACKWARD', false],
      ['FORWARD', true],
      ['FULL', false],
    ])('removing a symbol under %s is allowed: %s', (level, allowed) => {
      expect(allows(level, [previous], withStatus(['ACTIVE']))).toBe(allowed);
    });

    it('lets old readers with an enum default read a new symbol (FORWARD)', () => {
      const previousWithDefault = withStatus(['ACTIVE', 'INACTIVE'], { default: 'INACTIVE' });
      const sut = withStatus(['ACTIVE', 'INACTIVE', 'BANNED'], { default: 'INACTIVE' });
      expect(allows('FULL', [previousWithDefault], sut)).toBe(true);
    });
  });

  describe('transitive levels', () => {
    // v1 has count:int, v2 dropped it, the candidate brings it back as a string: fine next to v2, not next to v1.
    const backwardHistory = [v1, aRecord().field('id', 'string').type()];
    const backwardCandidate = aRecord().field('id', 'string').field('count', 'string', { default: '' }).type();
    // v1 requires count, v2 gave it a default, the candidate drops it: v2 can read it, v1 cannot.
    const forwardHistory = [v1, aRecord().field('id', 'string').field('count', 'int', { default: 0 }).type()];
    const forwardCandidate = aRecord().field('id', 'string').type();

    it.each<[CompatibilityLevel, boolean]>([
      ['BACKWARD', true],
      ['BACKWARD_TRANSITIVE', false],
      ['FULL_TRANSITIVE', false],
    ])('checks every previous version for backward compatibility only when transitive (%s allowed: %s)', (level, allowed) => {
      expect(allows(level, backwardHistory, backwardCandidate)).toBe(allowed);
    });

    it.each<[CompatibilityLevel, boolean]>([
      ['FORWARD', true],
      ['FORWARD_TRANSITIVE', false],
      ['FULL', true],
      ['FULL_TRANSITIVE', false],
    ])('checks every previous version for forward compatibility only when transitive (%s allowed: %s)', (level, allowed) => {
      expect(allows(level, forwardHistory, forwardCandidate)).toBe(allowed);
    });

    it('reports the version that breaks the rule', () => {
      expect(compatibilityProblems('FORWARD_TRANSITIVE', forwardCandidate, history(...forwardHistory))).toEqual([
        expect.stringMatching(/^FORWARD_TRANSITIVE: version 1 cannot read data written with the new schema/),
      ]);
    });
  });
});
