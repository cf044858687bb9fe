/**
 * A local Anthropic-compatible Messages API (`POST /v1/messages`, JSON or SSE streaming) that
 * answers from a per-test script, so the real SDK — retries, streaming parser, errors — runs
 * against it through `ANTHROPIC_BASE_URL`. It records every request, and whether the client
 * went away before the answer was complete. A `raw` step writes whatever bytes a test wants
 * (malformed SSE, broken tool input, no usage) for the answers the API itself would never give.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';
import { streamMessage, type WireBlock } from './anthropic-stream.js';

export type FakeBlock =
  | { type: 'text'; text: string; chunks?: string[] }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

export type FakeStep =
  /** A message; streamed as SSE when the request asks for `stream: true`. */
  | { kind: 'message'; content: FakeBlock[]; stop_reason?: string; usage?: { input_tokens: number; output_tokens: number }; chunkDelayMs?: number }
  /** An HTTP error with an Anthropic error body. */
  | { kind: 'error'; status: number; type: string; message?: string; errorCode?: string; headers?: Record<string, string> }
  /** Streams the start of a message, these text chunks, then never finishes (until the client leaves). */
  | { kind: 'stall'; chunks: string[] }
  /** Writes the whole answer itself (see `./anthropic-stream.ts`); a write that throws or rejects destroys the response. */
  | { kind: 'raw'; write: RawWrite };

/** Writes a whole answer; the fake waits for a returned promise. */
export type RawWrite = (res: ServerResponse) => unknown;

/** One request as the fake saw it. */
export interface RecordedRequest {
  readonly body: {
    model: string;
    stream?: boolean;
    system?: unknown;
    max_tokens: number;
    tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
    messages: Array<{ role: string; content: unknown }>;
  };
  readonly headers: IncomingMessage['headers'];
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  completed: boolean;
}

export type FakeScript = (request: RecordedRequest, index: number) => FakeStep;

export interface FakeAnthropic {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers the next requests with these steps, in order; then with the script (default: a text "ok"). */
  enqueue(...steps: FakeStep[]): void;
  setScript(script: FakeScript): void;
  reset(): void;
  close(): Promise<void>;
}

/** A message of one text block. */
export const say = (text: string): FakeStep => ({ kind: 'message', content: [{ type: 'text', text }] });
/** A message asking for one tool (stop reason `tool_use`). */
export const useTool = (name: string, input: Record<string, unknown> = {}, id?: string): FakeStep => ({
  kind: 'message',
  content: [{ type: 'tool_use', id, name, input }],
});
/** An answer written by `write`. */
export const raw = (write: RawWrite): FakeStep => ({ kind: 'raw', write });

let toolIds = 0;

function wordsOf(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const queue: FakeStep[] = [];
  const requests: RecordedRequest[] = [];
  const defaultScript: FakeScript = () => say('ok');
  let script = defaultScript;
  const openResponses = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
        res.writeHead(404).end();
        return;
      }
      const record: RecordedRequest = {
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as RecordedRequest['body'],
        headers: req.headers,
        aborted: false,
        completed: false,
      };
      requests.push(record);
      openResponses.add(res);
      res.once('close', () => {
        openResponses.delete(res);
        if (!res.writableFinished) record.aborted = true;
      });
      const step = queue.shift() ?? script(record, requests.length - 1);
      void answer(record, step, res).then(
        () => {
          record.completed = res.writableFinished;
        },
        () => res.destroy(),
      );
    });
  });

  const listener: LoopbackListener = await listenOnLoopback(server);
  return {
    url: listener.url,
    requests,
    enqueue: (...steps) => queue.push(...steps),
    setScript: (s) => {
      script = s;
    },
    reset: () => {
      queue.length = 0;
      requests.length = 0;
      script = defaultScript;
    },
    close: async () => {
      for (const res of openResponses) res.destroy();
      await listener.close();
    },
  };
}

async function answer(record: RecordedRequest, step: FakeStep, res: ServerResponse): Promise<void> {
  if (step.kind === 'raw') {
    await step.write(res);
    return;
  }
  if (step.kind === 'error') {
    const details = step.errorCode ? { details: { error_code: step.errorCode } } : {};
    res.writeHead(step.status, { 'content-type': 'application/json', 'request-id': 'req_fake', ...step.headers });
    res.end(JSON.stringify({ type: 'error', error: { type: step.type, message: step.message ?? step.type, ...details }, request_id: 'req_fake' }));
    return;
  }
  const content = step.kind === 'stall' ? [{ type: 'text' as const, text: step.chunks.join(''), chunks: step.chunks }] : step.content;
  const message = {
    id: `msg_fake_${Math.random().toString(36).slice(2, 10)}`,
    type: 'message',
    role: 'assistant',
    model: record.body.model,
    content: content.map((b) => (b.type === 'text' ? { type: 'text' as const, text: b.text, citations: null } : { type: 'tool_use' as const, id: b.id ?? `toolu_${++toolIds}`, name: b.name, input: b.input })),
    stop_reason: step.kind === 'stall' ? null : (step.stop_reason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn')),
    stop_sequence: null,
    usage: { input_tokens: step.kind === 'message' ? (step.usage?.input_tokens ?? 100) : 100, output_tokens: step.kind === 'message' ? (step.usage?.output_tokens ?? 20) : 0 },
  };
  if (!record.body.stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' }).end(JSON.stringify(message));
    return;
  }
  const blocks = message.content.map((block, index): WireBlock => {
    const source = content[index];
    if (block.type === 'tool_use') return { type: 'tool_use', id: block.id, name: block.name, partialJson: JSON.stringify(block.input) };
    return { type: 'text', text: block.text, chunks: source?.type === 'text' && source.chunks ? source.chunks : wordsOf(block.text) };
  });
  await streamMessage(res, blocks, {
    id: message.id,
    model: message.model,
    stopReason: message.stop_reason ?? undefined,
    usage: message.usage,
    chunkDelayMs: step.kind === 'message' ? step.chunkDelayMs : undefined,
    stall: step.kind === 'stall',
  });
}

/** The `tool_result` blocks of a request's last user message (none for a request that was never made). */
export function toolResultsOf(request: RecordedRequest | undefined): Array<{ tool_use_id: string; content: string; is_error?: boolean }> {
  const last = request?.body.messages.at(-1);
  if (!last || !Array.isArray(last.content)) return [];
  return (last.content as Array<Record<string, unknown>>)
    .filter((b) => b['type'] === 'tool_result')
    .map((b) => ({ tool_use_id: String(b['tool_use_id']), content: String(b['content']), ...(b['is_error'] === true ? { is_error: true } : {}) }));
}
