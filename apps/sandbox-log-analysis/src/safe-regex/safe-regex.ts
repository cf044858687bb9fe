import { SafeRegexError } from './errors.js';
import { PikeMatcher, type StepBudget } from './matcher.js';
import { parseRegex } from './parse.js';
import { compileProgram } from './program.js';

/** Longest pattern accepted. */
export const MAX_PATTERN_LENGTH = 256;

/** A compiled pattern that matches in time linear in the text (see {@link PikeMatcher}). */
export interface SafeRegex {
  readonly source: string;
  readonly ignoreCase: boolean;
  /** True when the pattern matches somewhere in `text`; throws `REGEX_BUDGET_EXCEEDED`. */
  test(text: string, budget: StepBudget): boolean;
}

/**
 * Compiles a user-supplied pattern for the linear-time engine. The pattern must be valid
 * ECMAScript (checked with `RegExp`, never run with it), at most {@link MAX_PATTERN_LENGTH}
 * characters, and inside the supported subset; throws {@link SafeRegexError} otherwise.
 */
export function compileSafeRegex(
  source: string,
  options: { ignoreCase?: boolean } = {},
): SafeRegex {
  if (source.length > MAX_PATTERN_LENGTH) {
    throw new SafeRegexError(
      'REGEX_TOO_LARGE',
      `pattern longer than ${MAX_PATTERN_LENGTH} characters`,
    );
  }
  try {
    new RegExp(source);
  } catch (err) {
    throw new SafeRegexError(
      'REGEX_INVALID',
      err instanceof Error ? err.message : 'invalid pattern',
    );
  }
  const ignoreCase = options.ignoreCase ?? false;
  const matcher = new PikeMatcher(compileProgram(parseRegex(source), ignoreCase));
  return { source, ignoreCase, test: (text, budget) => matcher.test(text, budget) };
}

export { SafeRegexError, type SafeRegexErrorCode } from './errors.js';
export type { StepBudget } from './matcher.js';
