import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: the same definition always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The parts of a tool definition whose change matters to a client (what the model reads and sends). */
export function pinnedPart(definition: Readonly<Record<string, unknown>>, originalName: string) {
  return {
    name: originalName,
    description: definition['description'] ?? null,
    inputSchema: definition['inputSchema'] ?? null,
    outputSchema: definition['outputSchema'] ?? null,
  };
}

/** SHA-256 of the canonical pinned part; key order alone never changes it. */
export function definitionHash(definition: Readonly<Record<string, unknown>>, originalName: string): string {
  return createHash('sha256').update(canonicalJson(pinnedPart(definition, originalName))).digest('hex');
}
