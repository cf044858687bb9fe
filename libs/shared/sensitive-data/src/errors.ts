/** Codes of {@link SensitiveDataError}. */
export type SensitiveDataErrorCode = 'UNKNOWN_KIND' | 'INVALID_OPTION';

/** A caller passed options the engine cannot honour (e.g. a kind that does not exist). */
export class SensitiveDataError extends Error {
  constructor(
    readonly code: SensitiveDataErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SensitiveDataError';
  }
}
