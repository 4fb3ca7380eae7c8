/** Regular expressions for `like`, `matches` and `regexGroup`, built once per distinct pattern. */

const CACHE_LIMIT = 1_000;
const javaCache = new Map<string, RegExp | null>();
const likeCache = new Map<string, RegExp>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * A Java-style pattern as a JavaScript RegExp, or null when it is not a valid pattern.
 * Leading inline flags such as `(?i)` become RegExp flags; `\A` and `\z`/`\Z` become `^` and `$`.
 */
export function javaRegex(pattern: string): RegExp | null {
  const cached = javaCache.get(pattern);
  if (cached !== undefined) return cached;
  let body = pattern;
  let flags = '';
  const inline = /^\(\?([imsx]+)\)/.exec(body);
  if (inline) {
    body = body.slice(inline[0].length);
    for (const flag of new Set(inline[1])) if (flag !== 'x') flags += flag;
  }
  body = body.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  let regex: RegExp | null;
  try {
    regex = new RegExp(body, flags);
  } catch {
    regex = null;
  }
  return remember(javaCache, pattern, regex);
}

/** `like`: `%` is any run of characters, `_` exactly one; the whole string must match (case-sensitive). */
export function likeRegex(pattern: string): RegExp {
  const cached = likeCache.get(pattern);
  if (cached !== undefined) return cached;
  let source = '^';
  for (const ch of pattern) {
    if (ch === '%') source += '[\\s\\S]*';
    else if (ch === '_') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return remember(likeCache, pattern, new RegExp(`${source}$`, 'u'));
}
