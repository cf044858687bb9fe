/**
 * Tool name patterns from the config: an exact name, `prefix*`, or `*`. Matching is on the exact
 * string the owner executes under (no case folding, no Unicode normalisation), so a lookalike name
 * is simply another name — and unknown.
 */
export function compilePatterns(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')));
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return (name) => exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix));
}
