/**
 * A Messages API stand-in that writes whatever bytes a test asks for: malformed SSE, messages
 * without usage, tool_use blocks with broken input JSON, endless tool_use turns. The scripted fake
 * in `../support/fake-anthropic.ts` only produces well-formed answers; this one is for the rest.
 */
import { createServer, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '@mcpgw/testing';

/** The request as the fake saw it (what the chat client sent). */
export interface RawRecorded {
  readonly body: {
    messages: Array<{ role: string; content: unknown }>;
    tools?: Array<{ name: string }>;
    stream?: boolean;
  };
}

/** Answers request number `index` (0-based) by writing to `res` (and ending it). */
export type RawHandler = (request: RawRecorded, res: ServerResponse, index: number) => void | Promise<void>;

export interface RawAnthropic {
  readonly url: string;
  readonly requests: RawRecorded[];
  setHandler(handler: RawHandler): void;
  reset(): void;
  close(): Promise<void>;
}

export type RawBlock = { type: 'text'; text: string } | { type: 'tool_use'; id?: string; name?: string; partialJson: string } | Record<string, unknown>;

const event = (res: ServerResponse, name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

/**
 * Streams one message as the Messages API does. `usage: null` leaves usage out of `message_start`
 * and `message_delta`; `stopReason` is sent in `message_delta`.
 */
export function streamMessage(res: ServerResponse, blocks: readonly RawBlock[], options: { stopReason?: string | null; usage?: { input_tokens: number; output_tokens: number } | null } = {}): void {
  const usage = options.usage === undefined ? { input_tokens: 10, output_tokens: 5 } : options.usage;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const message: Record<string, unknown> = { id: 'msg_raw', type: 'message', role: 'assistant', model: 'claude-sonnet-5', content: [], stop_reason: null, stop_sequence: null };
  if (usage) message['usage'] = { input_tokens: usage.input_tokens, output_tokens: 1 };
  event(res, 'message_start', { type: 'message_start', message });
  blocks.forEach((block, index) => {
    if (block['type'] === 'text') {
      event(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      event(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: String(block['text']) } });
    } else if (block['type'] === 'tool_use' && 'partialJson' in block) {
      const start: Record<string, unknown> = { type: 'tool_use', input: {} };
      if (block.id !== undefined) start['id'] = block.id;
      if (block.name !== undefined) start['name'] = block.name;
      event(res, 'content_block_start', { type: 'content_block_start', index, content_block: start });
      event(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: block.partialJson } });
    } else {
      event(res, 'content_block_start', { type: 'content_block_start', index, content_block: block });
    }
    event(res, 'content_block_stop', { type: 'content_block_stop', index });
  });
  const delta: Record<string, unknown> = { type: 'message_delta', delta: { stop_reason: options.stopReason ?? 'end_turn', stop_sequence: null } };
  if (usage) delta['usage'] = { output_tokens: usage.output_tokens };
  event(res, 'message_delta', delta);
  event(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

/** A tool_use block asking for `name` with `input`. */
export const toolUse = (name: string, input: unknown, id?: string): RawBlock => ({ type: 'tool_use', name, id: id ?? `toolu_${Math.random().toString(36).slice(2, 10)}`, partialJson: JSON.stringify(input) });

export async function startRawAnthropic(): Promise<RawAnthropic> {
  const requests: RawRecorded[] = [];
  const fallback: RawHandler = (_req, res) => streamMessage(res, [{ type: 'text', text: 'ok' }]);
  let handler = fallback;
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        res.writeHead(404).end();
        return;
      }
      const record: RawRecorded = { body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as RawRecorded['body'] };
      requests.push(record);
      open.add(res);
      res.once('close', () => open.delete(res));
      void Promise.resolve(handler(record, res, requests.length - 1)).catch(() => res.destroy());
    });
  });
  const listener = await listenOnLoopback(server);
  return {
    url: listener.url,
    requests,
    setHandler: (h) => {
      handler = h;
    },
    reset: () => {
      requests.length = 0;
      handler = fallback;
    },
    close: async () => {
      for (const res of open) res.destroy();
      await listener.close();
    },
  };
}
