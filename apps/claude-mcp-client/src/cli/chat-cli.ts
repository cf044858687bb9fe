import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { readSse } from './sse-reader.js';

type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface ChatCliOptions {
  chatUrl: string;
  apiKey: string;
  input: Readable;
  output: Writable;
  fetch?: Fetch;
}

const HELP = 'Ask about an IP, a domain or an API. /new starts a new conversation, /exit quits, Ctrl-C stops an answer.';

/** Renders one streamed answer; keeps track of whether the cursor is at the start of a line. */
class AnswerPrinter {
  private atLineStart = true;

  constructor(private readonly out: Writable) {}

  text(delta: string): void {
    if (!delta) return;
    this.out.write(delta);
    this.atLineStart = delta.endsWith('\n');
  }

  line(text: string): void {
    if (!this.atLineStart) this.out.write('\n');
    this.out.write(`${text}\n`);
    this.atLineStart = true;
  }
}

function describeInput(input: unknown): string {
  if (!input || typeof input !== 'object') return '';
  return Object.entries(input as Record<string, unknown>)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ')
    .slice(0, 120);
}

/**
 * The terminal chat (`npm run chat`): reads questions line by line, streams each answer from
 * `POST /chat/stream` as it is written, shows every tool call and its outcome, marks degraded
 * (offline) answers, and keeps the session across questions. Resolves when the input ends.
 */
export async function runChatCli(options: ChatCliOptions): Promise<void> {
  const { output } = options;
  const doFetch = options.fetch ?? fetch;
  // Only a terminal delivers Ctrl-C to readline (as 'SIGINT'); piped input just ends.
  const rl = createInterface({ input: options.input, output, terminal: (options.input as { isTTY?: boolean }).isTTY === true });
  let sessionId: string | undefined;
  let inFlight: AbortController | undefined;
  rl.on('SIGINT', () => (inFlight ? inFlight.abort() : rl.close()));
  output.write(`${HELP}\n`);

  const ask = async (message: string): Promise<void> => {
    const printer = new AnswerPrinter(output);
    inFlight = new AbortController();
    try {
      const response = await doFetch(`${options.chatUrl}/chat/stream`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify(sessionId ? { message, session_id: sessionId } : { message }),
        signal: inFlight.signal,
      });
      if (!response.ok || !response.body) {
        const body = (await response.json().catch(() => ({}))) as { error?: string; message?: string };
        if (body.error === 'CHAT_ERR_SESSION_NOT_FOUND') sessionId = undefined;
        printer.line(`error: ${body.message ?? `HTTP ${response.status}`}${body.error === 'CHAT_ERR_SESSION_NOT_FOUND' ? ' (starting a new conversation next time)' : ''}`);
        return;
      }
      for await (const event of readSse(response.body)) {
        const data = JSON.parse(event.data) as Record<string, unknown>;
        switch (event.event) {
          case 'session':
            sessionId = String(data['session_id']);
            break;
          case 'text':
            printer.text(String(data['delta'] ?? ''));
            break;
          case 'tool_call':
            printer.line(`  → ${String(data['name'])}(${describeInput(data['input'])})`);
            break;
          case 'tool_result':
            printer.line(`  ${data['is_error'] ? '✗' : '✓'} ${String(data['name'])}${data['is_error'] ? `: ${String(data['summary']).slice(0, 160)}` : ''}`);
            break;
          case 'message': {
            const context = (data['context'] ?? {}) as Record<string, unknown>;
            const tools = Array.isArray(data['tools_called']) ? data['tools_called'].map((t) => String((t as { name?: unknown }).name)) : [];
            printer.line('');
            if (data['degraded'] === true) printer.line(`[degraded answer: ${String(context['degraded_reason'] ?? 'offline')}]`);
            printer.line(`[tools: ${tools.length ? tools.join(', ') : 'none'}]`);
            break;
          }
          case 'error':
            printer.line(`error: ${String(data['message'] ?? data['error'])}`);
            break;
        }
      }
    } catch (err) {
      printer.line(inFlight.signal.aborted ? '(answer stopped)' : `error: the chat service is unreachable at ${options.chatUrl} (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      inFlight = undefined;
    }
  };

  output.write('you › ');
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === '/exit' || line === '/quit') break;
    if (line === '/help') output.write(`${HELP}\n`);
    else if (line === '/new') {
      sessionId = undefined;
      output.write('(new conversation)\n');
    } else if (line) {
      output.write('claude › ');
      await ask(line);
    }
    output.write('you › ');
  }
  rl.close();
  output.write('\n');
}
