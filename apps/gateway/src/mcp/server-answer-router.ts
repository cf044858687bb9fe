import type { StateStore } from '@mcpgw/state';
import type { Logger } from '@mcpgw/telemetry';
import { clientAnswerOf, replicaOf, type ClientAnswer, type PendingServerRequests } from './server-requests.js';

/** Each replica listens on its own channel: an answer goes to the one replica that gave its id. */
export const answerChannel = (replica: string) => `mcp:server-answers:${replica}`;
/** Largest answer taken, on any replica (a sampling result is text, an elicitation a small form). */
export const MAX_ANSWER_BYTES = 256 * 1024;

/** What became of a client's answer to a relayed request. */
export type AnswerRoute = 'answered' | 'forwarded' | 'unmatched' | 'too_large';

/**
 * Takes clients' answers to relayed server requests to the replica that relayed the request.
 * Stateless serving lets a client's POST land on any replica; request ids name the replica that
 * gave them, so an answer this replica does not hold is published on that replica's channel only
 * (the holder still checks the principal). Pub/sub delivers at most once: an answer lost on the
 * way leaves the upstream to be refused when the call ends. With the in-process store there is no
 * other replica to ask.
 */
export class ServerAnswerRouter {
  private unsubscribe: (() => Promise<void>) | undefined;
  /** Set after a failed publish until one succeeds: one warning per outage, not per answer. */
  private publishFailing = false;

  constructor(
    private readonly store: StateStore,
    private readonly pending: PendingServerRequests,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    if (this.store.kind === 'memory') return;
    this.unsubscribe = await this.store.subscribe(answerChannel(this.pending.replica), (message) => this.receive(message));
  }

  async stop(): Promise<void> {
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = undefined;
    await unsubscribe?.();
  }

  /** Hands the answer to the request here, or to the replica that holds it. */
  async answer(principal: string, id: string, answer: ClientAnswer): Promise<AnswerRoute> {
    const message = JSON.stringify({ principal, id, answer });
    // The same bound on every replica, so an answer does not work or fail by where it lands.
    if (Buffer.byteLength(message) > MAX_ANSWER_BYTES) return 'too_large';
    if (this.pending.answer(principal, id, answer)) return 'answered';
    const holder = replicaOf(id);
    if (!holder || holder === this.pending.replica || !this.unsubscribe) return 'unmatched';
    try {
      await this.store.publish(answerChannel(holder), message);
      this.publishFailing = false;
      return 'forwarded';
    } catch (err) {
      if (!this.publishFailing) this.logger.warn('client answers not passed to the replica holding their request', { err });
      this.publishFailing = true;
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
