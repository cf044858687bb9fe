/** Codes of the errors this library throws. */
export type TelemetryErrorCode = 'METRIC_CONFLICT';

/** A local error of the telemetry library, with a stable string `code`. */
export class TelemetryError extends Error {
  override readonly name = 'TelemetryError';

  constructor(
    readonly code: TelemetryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
