/**
 * The Messages API's SSE stream, written byte by byte: what the fake Anthropic server sends for
 * its scripted answers, and what a test's `raw` step sends when it wants a stream the API would
 * never produce (blocks without id or name, tool input that is not JSON, no usage at all).
 */
import type { ServerResponse } from 'node:http';

/**
 * One content block on the wire: text (one delta per chunk), a tool_use block whose input is sent
 * as `partialJson` verbatim (broken JSON included; id and name may be left out), or any other
 * object, sent as the block of `content_block_start` and nothing else.
 */
export type WireBlock =
  | { type: 'text'; text: string; chunks?: readonly string[] }
  | { type: 'tool_use'; id?: string; name?: string; partialJson: string }
  | Record<string, unknown>;

export interface StreamOptions {
  id?: string;
  /** Default `claude-sonnet-5`. */
  model?: string;
  /** Sent in `message_delta`; default `end_turn`. */
  stopReason?: string;
  /** `null` leaves usage out of `message_start` and `message_delta`. Default 10 in, 5 out. */
  usage?: { input_tokens: number; output_tokens: number } | null;
  /** Wait before each text delta. */
  chunkDelayMs?: number;
  /** Stop after the deltas of the first text block and never finish (until the client leaves). */
  stall?: boolean;
}

/** Writes one SSE event. */
export const sseEvent = (res: ServerResponse, name: string, data: unknown): boolean => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A tool_use block asking for `name` with `input` (a random id unless given). */
export const toolUse = (name: string, input: unknown, id?: string): WireBlock => ({
  type: 'tool_use',
  name,
  id: id ?? `toolu_${Math.random().toString(36).slice(2, 10)}`,
  partialJson: JSON.stringify(input),
});

/** Streams one message as the Messages API does (status 200), ending the response unless it stalls. */
export async function streamMessage(res: ServerResponse, blocks: readonly WireBlock[], options: StreamOptions = {}): Promise<void> {
  const usage = options.usage === undefined ? { input_tokens: 10, output_tokens: 5 } : options.usage;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_fake' });
  const message: Record<string, unknown> = {
    id: options.id ?? 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: options.model ?? 'claude-sonnet-5',
    content: [],
    stop_reason: null,
    stop_sequence: null,
  };
  if (usage) message['usage'] = { input_tokens: usage.input_tokens, output_tokens: 1 };
  sseEvent(res, 'message_start', { type: 'message_start', message });
  for (const [index, block] of blocks.entries()) {
    if (block['type'] === 'text') {
      sseEvent(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      const chunks = (block['chunks'] as readonly string[] | undefined) ?? [String(block['text'])];
      for (const chunk of chunks) {
        if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
        if (res.destroyed) return;
        sseEvent(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: chunk } });
      }
      if (options.stall) return;
    } else if (block['type'] === 'tool_use' && 'partialJson' in block) {
      const start: Record<string, unknown> = { type: 'tool_use', input: {} };
      if (block.id !== undefined) start['id'] = block.id;
      if (block.name !== undefined) start['name'] = block.name;
      sseEvent(res, 'content_block_start', { type: 'content_block_start', index, content_block: start });
      sseEvent(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: block.partialJson } });
    } else {
      sseEvent(res, 'content_block_start', { type: 'content_block_start', index, content_block: block });
    }
    sseEvent(res, 'content_block_stop', { type: 'content_block_stop', index });
  }
  const delta: Record<string, unknown> = { type: 'message_delta', delta: { stop_reason: options.stopReason ?? 'end_turn', stop_sequence: null } };
  if (usage) delta['usage'] = { output_tokens: usage.output_tokens };
  sseEvent(res, 'message_delta', delta);
  sseEvent(res, 'message_stop', { type: 'message_stop' });
  res.end();
}
