import type { NextFunction, Request, Response } from 'express';
import { errorEnvelope } from '@mcpgw/tool-schemas';
import type { Logger } from '@mcpgw/telemetry';
import { toHttpError } from './error-mapping.js';
import { requestContext } from './request-context.js';

/**
 * The one place where errors become HTTP responses: status and headers from the mapped error,
 * the error envelope as body, 5xx logged at `error` with the cause, 4xx at `info`. The client
 * never sees a stack trace or an unknown error's message.
 */
export function errorHandler(fallbackLogger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const ctx = res.locals['ctx'] ? requestContext(res) : undefined;
    const logger = ctx?.logger ?? fallbackLogger;
    const mapped = toHttpError(err);
    const meta = { code: mapped.code, reason: mapped.reason, status: mapped.status, path: req.path };
    if (mapped.status >= 500) logger.error('request failed', { ...meta, err: mapped.options.cause ?? err });
    else logger.info('request rejected', meta);
    for (const [name, value] of Object.entries(mapped.options.headers ?? {})) res.setHeader(name, value);
    res
      .status(mapped.status)
      .json(
        errorEnvelope(mapped.code, mapped.message, {
          traceId: ctx?.traceId ?? '',
          details: mapped.options.details,
        }),
      );
  };
}

/** Terminal handler for unmatched routes: a 404 in the error envelope. */
export function notFoundHandler() {
  return (req: Request, res: Response): void => {
    const ctx = res.locals['ctx'] ? requestContext(res) : undefined;
    res.status(404).json(
      errorEnvelope('NOT_FOUND', `no route for ${req.method} ${req.path}`, { traceId: ctx?.traceId ?? '' }),
    );
  };
}
