/**
 * The decimal text of a finite number, the same digits `String(n)` writes. Per-call code uses this
 * rather than `String(n)` or a template literal: V8 keeps the strings it makes from numbers in a
 * cache of a few thousand entries in the old generation, so the string of a number not seen before
 * (a timestamp, a counter, a bucket's tokens) outlives the next scavenges and is promoted, to stay
 * until a full GC. `JSON.stringify` writes the same digits without the cache (ADR 0009, seventh
 * amendment).
 */
export function decimal(n: number): string {
  return JSON.stringify(n);
}
