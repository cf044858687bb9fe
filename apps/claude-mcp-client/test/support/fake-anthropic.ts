/**
 * A local Anthropic-compatible Messages API (`POST /v1/messages`, JSON or SSE streaming) that
 * answers from a per-test script, so the real SDK — retries, streaming parser, errors — runs
 * against it through `ANTHROPIC_BASE_URL`. It records every request, and whether the client
 * went away before the answer was complete.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback, type LoopbackListener } from '@mcpgw/testing';

export type FakeBlock =
  | { type: 'text'; text: string; chunks?: string[] }
  | { type: 'tool_use'; id?: string; name: string; input: Record<string, unknown> };

export type FakeStep =
  /** A message; streamed as SSE when the request asks for `stream: true`. */
  | { kind: 'message'; content: FakeBlock[]; stop_reason?: string; usage?: { input_tokens: number; output_tokens: number }; chunkDelayMs?: number }
  /** An HTTP error with an Anthropic error body. */
  | { kind: 'error'; status: number; type: string; message?: string; errorCode?: string; headers?: Record<string, string> }
  /** Streams the start of a message, these text chunks, then never finishes (until the client leaves). */
  | { kind: 'stall'; chunks: string[] };

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

let toolIds = 0;
const sse = (res: ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function wordsOf(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const queue: FakeStep[] = [];
  const requests: RecordedRequest[] = [];
  const defaultScript: FakeScript = () => ({ kind: 'message', content: [{ type: 'text', text: 'ok' }] });
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
      void answer(record, step, res).then(() => {
        record.completed = res.writableFinished;
      });
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
    content: content.map((b) => (b.type === 'text' ? { type: 'text', text: b.text, citations: null } : { type: 'tool_use', id: b.id ?? `toolu_${++toolIds}`, name: b.name, input: b.input })),
    stop_reason: step.kind === 'stall' ? null : (step.stop_reason ?? (content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn')),
    stop_sequence: null,
    usage: { input_tokens: step.kind === 'message' ? (step.usage?.input_tokens ?? 100) : 100, output_tokens: step.kind === 'message' ? (step.usage?.output_tokens ?? 20) : 0 },
  };
  if (!record.body.stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' }).end(JSON.stringify(message));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_fake' });
  sse(res, 'message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: message.usage.input_tokens, output_tokens: 1 } } });
  const delay = step.kind === 'message' ? (step.chunkDelayMs ?? 0) : 0;
  for (const [index, block] of message.content.entries()) {
    const source = content[index];
    if (block.type === 'text' && source?.type === 'text') {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '', citations: null } });
      for (const chunk of source.chunks ?? wordsOf(source.text)) {
        if (delay) await sleep(delay);
        if (res.destroyed) return;
        sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: chunk } });
      }
      if (step.kind === 'stall') return; // never finishes: the client has to give up
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    } else if (block.type === 'tool_use') {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
      sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    }
  }
  sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: message.usage.output_tokens } });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

/** The `tool_result` blocks of a request's last user message. */
export function toolResultsOf(request: RecordedRequest): Array<{ tool_use_id: string; content: string; is_error?: boolean }> {
  const last = request.body.messages.at(-1);
  if (!last || !Array.isArray(last.content)) return [];
  return (last.content as Array<Record<string, unknown>>)
    .filter((b) => b['type'] === 'tool_result')
    .map((b) => ({ tool_use_id: String(b['tool_use_id']), content: String(b['content']), ...(b['is_error'] === true ? { is_error: true } : {}) }));
}
