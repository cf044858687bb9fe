import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpError, requestContext, toHttpError } from '@mcpgw/service-kit';
import { errorEnvelope } from '@mcpgw/tool-schemas';
import { callerOf } from '../auth/caller-auth.js';
import type { ChatService } from '../chat/chat-service.js';
import type { ChatEvent } from '../chat/chat-types.js';
import { ExchangeCancelledError } from '../errors.js';
import { startSse } from './sse.js';
import { validateChatBody } from './validation.js';

export interface ChatRoutesDeps {
  chat: ChatService;
  authenticate: RequestHandler;
  maxMessageChars: number;
}

/** Aborted when the client goes away before the response is complete. */
function clientSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new ExchangeCancelledError('client_closed'));
  });
  return controller.signal;
}

/** A cancelled exchange: nothing to say to a client that left; a timeout for one that waited. */
function cancellation(err: unknown): HttpError | 'gone' | undefined {
  if (!(err instanceof ExchangeCancelledError)) return undefined;
  if (err.reason === 'client_closed') return 'gone';
  return new HttpError(504, 'UPSTREAM_TIMEOUT', 'the answer took longer than the exchange deadline', { reason: 'exchange_deadline', cause: err });
}

/**
 * `POST /chat` (one JSON answer) and `POST /chat/stream` (server-sent events: `session`, `text`,
 * `tool_call`, `tool_result`, then `message` with the same body `/chat` returns, or `error` with
 * the error envelope). Validation, authentication and the session are settled before the stream
 * starts, so those failures are ordinary HTTP errors.
 */
export function mountChatRoutes(app: Express, deps: ChatRoutesDeps): void {
  app.post('/chat', deps.authenticate, async (req: Request, res: Response, next: NextFunction) => {
    // Watch for the client leaving from the start: it may go while the session is being opened.
    const signal = clientSignal(res);
    try {
      const body = validateChatBody(req.body, deps.maxMessageChars);
      const open = await deps.chat.open(callerOf(res), body.session_id);
      const response = await deps.chat.answer(open, body.message, { signal, emit: () => undefined, endpoint: 'chat' });
      res.status(200).json(response);
    } catch (err) {
      const cancelled = cancellation(err);
      if (cancelled === 'gone') return;
      next(cancelled ?? err);
    }
  });

  app.post('/chat/stream', deps.authenticate, async (req: Request, res: Response, next: NextFunction) => {
    const signal = clientSignal(res);
    let open;
    let message;
    try {
      const body = validateChatBody(req.body, deps.maxMessageChars);
      message = body.message;
      open = await deps.chat.open(callerOf(res), body.session_id);
    } catch (err) {
      next(err);
      return;
    }
    const sse = startSse(res);
    const emit = (event: ChatEvent) => {
      const { type, ...data } = event;
      sse.send(type, data);
    };
    try {
      const response = await deps.chat.answer(open, message, { signal, emit, endpoint: 'chat_stream' });
      sse.send('message', response);
    } catch (err) {
      const cancelled = cancellation(err);
      if (cancelled !== 'gone') {
        const mapped = cancelled ?? toHttpError(err);
        const ctx = requestContext(res);
        if (mapped.status >= 500) ctx.logger.error('chat stream failed', { code: mapped.code, reason: mapped.reason, err: mapped.options.cause ?? err });
        else ctx.logger.info('chat stream ended with an error', { code: mapped.code, reason: mapped.reason });
        sse.send('error', errorEnvelope(mapped.code, mapped.message, { traceId: ctx.traceId, details: mapped.options.details }));
      }
    } finally {
      sse.end();
    }
  });
}
