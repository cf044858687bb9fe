import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { formatPath } from '@mcpgw/tool-schemas';
import { RulesInvalidError } from '../errors.js';
import { compileRules, emptyRuleSet, semanticProblems, type RuleSet } from './compile-rules.js';
import type { RulesFileSpec } from './rule-types.js';
import { rulesFileSchema } from './rules-schema.js';

/** `rules[0].id: must be ...`: the path once, then joi's message without its leading label. */
function describeDetail(detail: { path: Array<string | number>; message: string }): string {
  const path = formatPath(detail.path);
  const message = detail.message.startsWith(`${path} `)
    ? detail.message.slice(path.length + 1)
    : detail.message;
  return `${path}: ${message}`;
}

/** Line (1-based) of character offset `pos` in `text`. */
function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parses, validates and compiles rules text. Every problem is named (`rules[2].window.seconds:
 * ...`, or a YAML line) and none quotes a value from the file, so no webhook secret can reach a
 * log. Throws {@link RulesInvalidError}.
 */
export function parseRules(text: string, file: string, now = new Date()): RuleSet {
  // prettyErrors off: the pretty form quotes the offending source line.
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new RulesInvalidError(
      file,
      doc.errors.map((e) => `line ${lineOf(text, e.pos[0])}: ${e.message}`),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const { value, error } = rulesFileSchema.validate(raw, {
    abortEarly: false,
    convert: false,
    errors: { wrap: { label: false } },
  });
  if (error) {
    throw new RulesInvalidError(file, [...new Set(error.details.map(describeDetail))]);
  }
  const spec = value as RulesFileSpec;
  const problems = semanticProblems(spec);
  if (problems.length > 0) throw new RulesInvalidError(file, problems);
  return compileRules(spec, text, now);
}

/** Reads and compiles the rules file; without a file, an empty rule set. */
export async function loadRulesFile(file: string | undefined, now = new Date()): Promise<RuleSet> {
  if (file === undefined) {
    const { value } = rulesFileSchema.validate({});
    return emptyRuleSet((value as RulesFileSpec).gateway, now);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new RulesInvalidError(
      file,
      [`cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`],
      {
        cause: err,
      },
    );
  }
  return parseRules(text, file, now);
}
