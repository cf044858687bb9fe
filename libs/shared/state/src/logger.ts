/**
 * The logger this lib writes to: a structural subset of winston's `Logger`, so services pass
 * their winston logger as is and tests pass a recorder.
 */
export interface StateLogger {
  info(message: string, meta?: object): void;
  warn(message: string, meta?: object): void;
  error(message: string, meta?: object): void;
}

/** A logger that drops everything; the default when none is given. */
export const silentLogger: StateLogger = Object.freeze({
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
});
