import type { Express, Request, Response } from 'express';
import { errorEnvelope, successEnvelope } from '@mcpgw/tool-schemas';
import { requestContext } from '@mcpgw/service-kit';
import type { McpDispatcher } from './mcp/dispatcher.js';
import { JsonRpcError, RPC } from './mcp/jsonrpc.js';

/** HTTP status for a JSON-RPC failure on the REST facade. */
function statusFor(err: JsonRpcError): { status: number; code: string } {
  if (err.reason === 'unknown_tool') return { status: 404, code: 'NOT_FOUND' };
  switch (err.code) {
    case RPC.INVALID_PARAMS:
      return { status: 400, code: 'VALIDATION_FAILED' };
    case RPC.UPSTREAM_UNAVAILABLE:
      return { status: 503, code: 'UPSTREAM_UNAVAILABLE' };
    case RPC.UPSTREAM_TIMEOUT:
      return { status: 504, code: 'UPSTREAM_TIMEOUT' };
    default:
      return err.code === RPC.INTERNAL_ERROR ? { status: 500, code: 'INTERNAL' } : { status: 502, code: 'UPSTREAM_ERROR' };
  }
}

/**
 * The REST facade of the original design, over the same dispatcher as `/mcp`:
 * `GET /mcp/tools` and `POST /mcp/call/{tool}` with the arguments as the JSON body.
 */
export function mountRestFacade(app: Express, dispatcher: McpDispatcher, version: string): void {
  app.get('/mcp/tools', async (req: Request, res: Response) => {
    const controller = new AbortController();
    const result = await dispatcher.dispatch('tools/list', {}, { era: 'legacy', signal: controller.signal });
    const tools = result['tools'] as unknown[];
    res.json({ tools, count: tools.length, timestamp: new Date().toISOString() });
  });

  app.post('/mcp/call/:tool', async (req: Request, res: Response) => {
    const ctx = requestContext(res);
    const args: unknown = req.body ?? {};
    if (!args || typeof args !== 'object' || Array.isArray(args)) {
      res.status(400).json(errorEnvelope('VALIDATION_FAILED', 'the body must be a JSON object of tool arguments', { traceId: ctx.traceId }));
      return;
    }
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    try {
      const result = await dispatcher.dispatch(
        'tools/call',
        { name: String(req.params['tool']), arguments: args },
        { era: 'legacy', signal: controller.signal },
      );
      if (result['isError'] === true) {
        res.status(502).json(errorEnvelope('TOOL_FAILED', 'the tool reported an error', { traceId: ctx.traceId, details: result }));
        return;
      }
      res.json(successEnvelope(result, { version, traceId: ctx.traceId }));
    } catch (err) {
      if (!(err instanceof JsonRpcError)) throw err;
      const { status, code } = statusFor(err);
      res.status(status).json(errorEnvelope(code, err.message, { traceId: ctx.traceId, details: err.options.data }));
    }
  });
}
