import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { clientAnswerOf, type ClientAnswer, type PendingServerRequests } from './server-requests.js';

const CHANNEL = 'mcp:server-answers';
/** Larger answers are not passed between replicas (a sampling result is text, an elicitation a small form). */
export const MAX_FORWARDED_ANSWER_BYTES = 1024 * 1024;

/** What became of a client's answer to a relayed request. */
export type AnswerRoute = 'answered' | 'forwarded' | 'unmatched';

/**
 * Takes clients' answers to relayed server requests to the replica that relayed the request.
 * Stateless serving lets a client's POST land on any replica; the one that holds the request
 * answers it, so an answer this replica cannot match is published on the state store's pub/sub
 * and every replica tries it (only the holder finds it, for the same principal). With the
 * in-process store there is no other replica to ask.
 */
export class ServerAnswerRouter {
  private unsubscribe: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly pending: PendingServerRequests,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.store.kind === 'memory') return;
    this.unsubscribe = await this.store.subscribe(CHANNEL, (message) => this.receive(message));
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }

  /** Hands the answer to the request here, or to the replica that holds it. */
  async answer(principal: string, id: string, answer: ClientAnswer): Promise<AnswerRoute> {
    if (this.pending.answer(principal, id, answer)) return 'answered';
    if (this.store.kind === 'memory' || !this.unsubscribe) return 'unmatched';
    const message = JSON.stringify({ principal, id, answer });
    if (Buffer.byteLength(message) > MAX_FORWARDED_ANSWER_BYTES) return 'unmatched';
    try {
      await this.store.publish(CHANNEL, message);
      return 'forwarded';
    } catch (err) {
      this.logger.warn('client answer not passed to the other replicas', { err });
      return 'unmatched';
    }
  }

  private receive(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const { principal, id, answer } = parsed as Record<string, unknown>;
    const read = typeof answer === 'object' && answer !== null ? clientAnswerOf({ ...answer, id }) : undefined;
    if (typeof principal === 'string' && read) this.pending.answer(principal, read.id, read.answer);
  }
}
