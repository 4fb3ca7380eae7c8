import { z } from 'zod';
import { baseConfigShape, ConfigError, loadConfig } from './config';

describe(loadConfig.name, () => {
  const schema = z.object({ ...baseConfigShape, PORT: baseConfigShape.PORT.default(3001) });

  it('parses defaults and lists', () => {
    const sut = loadConfig(schema, { WEFT_API_KEYS: 'a, b', KAFKA_BROKERS: 'h1:9092,h2:9092' });
    expect(sut.PORT).toBe(3001);
    expect(sut.WEFT_API_KEYS).toEqual(['a', 'b']);
    expect(sut.KAFKA_BROKERS).toEqual(['h1:9092', 'h2:9092']);
    expect(sut.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/weft');
  });

  it('fails naming every bad variable and its rule', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: 'abc', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems.find((p) => p.startsWith('PORT:'))).toContain('(got "abc")');
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toContain('(got "loud")');
    expect(problems.find((p) => p.startsWith('WEFT_API_KEYS:'))).toContain('(not set)');
  });
});
