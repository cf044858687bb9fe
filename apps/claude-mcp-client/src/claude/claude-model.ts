import type Anthropic from '@anthropic-ai/sdk';
import type { ContentBlock, ContentBlockParam, Message, MessageParam, Tool } from '@anthropic-ai/sdk/resources/messages';
import { SpanKind } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { createCircuitBreaker, type CircuitBreaker } from '@mcpgw/resilience';
import { ATTR_GEN_AI_USAGE_INPUT_TOKENS, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, withSpan, type Logger } from '@mcpgw/telemetry';
import type { ChatMetrics } from '../metrics.js';
import { countsAgainstBreaker, degradedReasonOf, isAbort } from './model-failure.js';

/** One Messages API request of the tool-use loop. */
export interface ModelRequest {
  readonly system: string;
  readonly messages: readonly MessageParam[];
  readonly tools: readonly Tool[];
}

/** A model that answers one turn, streaming its text as it comes. */
export interface ChatModel {
  readonly model: string;
  turn(request: ModelRequest, options: { signal: AbortSignal; onText: (delta: string) => void }): Promise<Message>;
}

export interface ClaudeModelOptions {
  client: Anthropic;
  model: string;
  maxTokens: number;
  breakerResetMs: number;
  registry: Registry;
  logger: Logger;
  metrics: ChatMetrics;
}

type Call = [ModelRequest, (delta: string) => void];

/**
 * Claude behind a circuit breaker. Each turn is one streamed Messages API call (the SDK retries
 * 408/409/429/5xx/529 before the stream starts, never a spend limit), traced as the GenAI span
 * `chat {model}` with the token usage, and counted in `chat_tokens_total`. The breaker opens on
 * availability failures only (see `countsAgainstBreaker`), so while Claude is down the loop falls
 * back to offline answers at once instead of waiting out retries on every message.
 */
export class ClaudeModel implements ChatModel {
  readonly model: string;
  private readonly breaker: CircuitBreaker<Call, Message>;

  constructor(private readonly options: ClaudeModelOptions) {
    this.model = options.model;
    this.breaker = createCircuitBreaker<Call, Message>((call, request, onText) => this.call(call.signal, request, onText), {
      name: 'anthropic',
      // The exchange deadline bounds a turn; a long answer may stream for minutes.
      timeoutMs: false,
      resetTimeoutMs: options.breakerResetMs,
      volumeThreshold: 5,
      errorThresholdPercentage: 50,
      isFailure: countsAgainstBreaker,
      registry: options.registry,
      logger: options.logger,
    });
  }

  get breakerState(): string {
    return this.breaker.state;
  }

  async turn(request: ModelRequest, options: { signal: AbortSignal; onText: (delta: string) => void }): Promise<Message> {
    try {
      const message = await this.breaker.fireWithSignal(options.signal, request, options.onText);
      this.options.metrics.modelCalls.inc({ model: this.model, outcome: 'ok' });
      return message;
    } catch (err) {
      const outcome = isAbort(err, options.signal) ? 'cancelled' : degradedReasonOf(err);
      this.options.metrics.modelCalls.inc({ model: this.model, outcome });
      throw err;
    }
  }

  shutdown(): void {
    this.breaker.shutdown();
  }

  private call(signal: AbortSignal, request: ModelRequest, onText: (delta: string) => void): Promise<Message> {
    const { model, maxTokens, metrics } = this.options;
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': model,
      'gen_ai.request.max_tokens': maxTokens,
    };
    return withSpan(`chat ${model}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const stream = this.options.client.messages.stream(
        { model, max_tokens: maxTokens, system: request.system, messages: [...request.messages], tools: [...request.tools] },
        { signal },
      );
      stream.on('text', (delta) => onText(delta));
      const message = await stream.finalMessage();
      const { input_tokens: input, output_tokens: output } = message.usage;
      span.setAttributes({
        'gen_ai.response.id': message.id,
        'gen_ai.response.model': message.model,
        'gen_ai.response.finish_reasons': [message.stop_reason ?? 'unknown'],
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: input,
        [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: output,
      });
      metrics.tokens.inc({ direction: 'input', model }, input);
      metrics.tokens.inc({ direction: 'output', model }, output);
      return message;
    });
  }
}

/** The assistant's content as request params, for the next turn of the loop (thinking blocks kept as they came). */
export function toContentParams(content: readonly ContentBlock[]): ContentBlockParam[] {
  return content.flatMap((block): ContentBlockParam[] => {
    switch (block.type) {
      case 'text':
        return [{ type: 'text', text: block.text }];
      case 'tool_use':
        return [{ type: 'tool_use', id: block.id, name: block.name, input: block.input }];
      case 'thinking':
        return [{ type: 'thinking', thinking: block.thinking, signature: block.signature }];
      case 'redacted_thinking':
        return [{ type: 'redacted_thinking', data: block.data }];
      default:
        return [];
    }
  });
}
