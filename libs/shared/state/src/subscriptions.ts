import type { StateLogger } from './logger.js';
import type { MessageHandler } from './state-store.js';

interface Channel {
  handlers: Set<MessageHandler>;
  /** The server-side subscribe of this channel; shared by concurrent first subscribers. */
  opened: Promise<void>;
}

/**
 * The handlers of one store instance per (prefixed) channel. The server-side subscription is
 * opened for a channel's first handler and closed after its last, so one store instance costs
 * the server one subscription per channel however many handlers it has.
 */
export class Subscriptions {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly logger: StateLogger) {}

  /** Adds `handler`; rejects (and forgets the handler) if opening the channel fails. */
  async add(channel: string, handler: MessageHandler, open: () => Promise<void>): Promise<void> {
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = { handlers: new Set(), opened: open() };
      this.channels.set(channel, entry);
    }
    entry.handlers.add(handler);
    try {
      await entry.opened;
    } catch (err) {
      entry.handlers.delete(handler);
      if (this.channels.get(channel) === entry) this.channels.delete(channel);
      throw err;
    }
  }

  /** Removes `handler`; calls `close` when it was the channel's last one. */
  async remove(
    channel: string,
    handler: MessageHandler,
    close: () => Promise<void>,
  ): Promise<void> {
    const entry = this.channels.get(channel);
    if (!entry || !entry.handlers.delete(handler) || entry.handlers.size > 0) return;
    this.channels.delete(channel);
    await close();
  }

  /** Calls every handler of `channel`; a throwing handler is logged and does not stop the others. */
  dispatch(channel: string, message: string): void {
    for (const handler of [...(this.channels.get(channel)?.handlers ?? [])]) {
      try {
        handler(message);
      } catch (err) {
        this.logger.error('state store message handler failed', {
          channel,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }

  /** Channels with at least one handler. */
  list(): string[] {
    return [...this.channels.keys()];
  }

  clear(): void {
    this.channels.clear();
  }
}
