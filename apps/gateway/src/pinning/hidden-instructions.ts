/** Why a tool description looks like it carries instructions aimed at the model, not the user. */
export type DescriptionFlag = 'unicode_tags' | 'bidi_override' | 'zero_width' | 'instruction_override' | 'secrecy_request' | 'exfiltration_hint';

const CHECKS: ReadonlyArray<[DescriptionFlag, RegExp]> = [
  // Unicode tag characters (U+E0000–U+E007F) render as nothing but models read them.
  ['unicode_tags', /[\u{E0000}-\u{E007F}]/u],
  ['bidi_override', /[\u202A-\u202E\u2066-\u2069]/],
  ['zero_width', /[\u200B-\u200D\u2060\uFEFF]/],
  ['instruction_override', /\b(ignore|disregard|forget)\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier|system)\s+(instructions|prompts?|rules)/i],
  ['secrecy_request', /\b(do\s+not|don't|never)\s+(tell|inform|mention|reveal)\b[^.]{0,40}\b(user|human)/i],
  ['exfiltration_hint', /<\s*(important|system|secret)\s*>|\b(read|send|include)\b[^.]{0,40}(~\/\.ssh|id_rsa|\.env\b|api[_ -]?keys?)/i],
];

/** Flags for every string in a tool definition (description, schema titles and descriptions). */
export function flagDefinition(definition: unknown): DescriptionFlag[] {
  const found = new Set<DescriptionFlag>();
  const visit = (value: unknown, depth: number) => {
    if (depth > 32) return;
    if (typeof value === 'string') {
      for (const [flag, pattern] of CHECKS) if (!found.has(flag) && pattern.test(value.slice(0, 100_000))) found.add(flag);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (value && typeof value === 'object') {
      for (const item of Object.values(value)) visit(item, depth + 1);
    }
  };
  visit(definition, 0);
  return [...found];
}
