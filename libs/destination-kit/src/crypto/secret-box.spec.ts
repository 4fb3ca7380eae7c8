import { randomBytes } from 'node:crypto';
import { SecretBox, SecretKeyError, developmentSecretsKey, parseSecretsKey } from './secret-box';

describe(SecretBox.name, () => {
  const sut = new SecretBox(randomBytes(32));

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealed = sut.seal('s3cr3t-token', 'conn-1');
    expect(sealed).not.toContain('s3cr3t');
    expect(sut.open(sealed, 'conn-1')).toBe('s3cr3t-token');
  });

  it('uses a fresh IV for each value', () => {
    expect(sut.seal('same', 'a')).not.toBe(sut.seal('same', 'a'));
  });

  it('refuses a value sealed for another owner', () => {
    const sealed = sut.seal('secret', 'conn-1');
    expect(() => sut.open(sealed, 'conn-2')).toThrow(SecretKeyError);
  });

  it('refuses a tampered value and a different key', () => {
    const sealed = sut.seal('secret', 'conn-1');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => sut.open(parts.join('.'), 'conn-1')).toThrow(SecretKeyError);
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'conn-1')).toThrow(SecretKeyError);
  });

  it('round-trips JSON', () => {
    expect(sut.openJson(sut.sealJson({ token: 'x', n: 1 }, 'c'), 'c')).toEqual({ token: 'x', n: 1 });
  });
});

describe(parseSecretsKey.name, () => {
  it('accepts 64 hex digits and 32 bytes of base64', () => {
    const key = randomBytes(32);
    expect(parseSecretsKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretsKey(key.toString('base64'))).toEqual(key);
  });

  it('refuses short or malformed keys', () => {
    expect(() => parseSecretsKey('password')).toThrow(SecretKeyError);
    expect(() => parseSecretsKey(randomBytes(16).toString('base64'))).toThrow(SecretKeyError);
  });

  it('has a 32-byte development key', () => {
    expect(developmentSecretsKey()).toHaveLength(32);
  });
});
