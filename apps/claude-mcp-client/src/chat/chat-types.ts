import type { DegradedReason } from '../metrics.js';

/** One tool call made to answer a message (`tools_called` entries). */
export interface ToolCallRecord {
  /** The model's `tool_use` id, or `offline_<n>` for the offline planner's calls. */
  readonly id: string;
  /** The gateway's tool name. */
  readonly name: string;
  readonly input: Readonly<Record<string, unknown>>;
  readonly is_error: boolean;
  readonly duration_ms: number;
}

/** Why the answer ended: the model's stop reason, or `offline` for a planner answer. */
export type StopReason = string;

/** The body of `POST /chat` and the `message` event of `POST /chat/stream`. */
export interface ChatResponse {
  readonly response: string;
  readonly tools_called: readonly ToolCallRecord[];
  readonly context: {
    readonly conversation_id: string;
    /** The Claude model, or null for an offline answer. */
    readonly model: string | null;
    /** Model turns taken (0 offline). */
    readonly turns: number;
    readonly stop_reason: StopReason;
    readonly usage: { readonly input_tokens: number; readonly output_tokens: number };
    /** Earlier exchanges of the session replayed to the model. */
    readonly history_turns: number;
    /** Set when `degraded`: why Claude did not answer. */
    readonly degraded_reason?: DegradedReason;
    /** False when the answer could not be written to the session and the conversation store. */
    readonly history_saved: boolean;
  };
  readonly timestamp: string;
  readonly session_id: string;
  /** True when the offline planner answered instead of Claude. */
  readonly degraded: boolean;
}

/** What `POST /chat/stream` sends, in order: `session`, then text and tool events, then `message`. */
export type ChatEvent =
  | { readonly type: 'session'; readonly session_id: string; readonly conversation_id: string }
  | { readonly type: 'text'; readonly delta: string }
  | { readonly type: 'tool_call'; readonly id: string; readonly name: string; readonly input: Readonly<Record<string, unknown>> }
  | { readonly type: 'tool_result'; readonly id: string; readonly name: string; readonly is_error: boolean; readonly summary: string }
  | { readonly type: 'message'; readonly message: ChatResponse };

export type Emit = (event: ChatEvent) => void;

/** Who is asking: the user id scopes sessions and the conversation store. */
export interface ChatCaller {
  /** `key:<hash>` for a gateway API key, `ext:<name>` for a user named by a trusted service. */
  readonly user: string;
  readonly kind: 'api_key' | 'service';
}
