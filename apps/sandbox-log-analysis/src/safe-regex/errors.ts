/** Codes of {@link SafeRegexError}. */
export type SafeRegexErrorCode =
  | 'REGEX_INVALID' // not a valid ECMAScript pattern
  | 'REGEX_UNSUPPORTED' // valid, but outside the linear-time subset (backreferences, lookaround)
  | 'REGEX_TOO_LARGE' // the compiled program exceeds its bound
  | 'REGEX_BUDGET_EXCEEDED'; // a search used up its step budget

/** A pattern the safe engine refuses, or a search it stopped. */
export class SafeRegexError extends Error {
  constructor(
    readonly code: SafeRegexErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SafeRegexError';
  }
}
