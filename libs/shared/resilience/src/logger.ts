/**
 * The logging surface this lib needs, typed structurally so a winston logger (or any logger with
 * these three methods) can be passed without this lib depending on winston.
 */
export interface ResilienceLogger {
  info(msg: string, meta?: object): void;
  warn(msg: string, meta?: object): void;
  error(msg: string, meta?: object): void;
}

/** A logger that drops everything; the default when none is given. */
export const silentLogger: ResilienceLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
