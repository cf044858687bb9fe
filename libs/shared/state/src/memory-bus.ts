/** A subscriber on the memory bus: one per store instance, like one Redis subscriber connection. */
export type BusListener = (channel: string, message: string) => void;

/**
 * In-process pub/sub shared by the memory stores of one {@link MemoryBackend}. Delivery is
 * asynchronous (next macrotask), as with Redis, so a publisher never runs handlers inline.
 */
export class MemoryBus {
  private readonly channels = new Map<string, Set<BusListener>>();

  add(channel: string, listener: BusListener): void {
    let listeners = this.channels.get(channel);
    if (!listeners) this.channels.set(channel, (listeners = new Set()));
    listeners.add(listener);
  }

  remove(channel: string, listener: BusListener): void {
    const listeners = this.channels.get(channel);
    if (!listeners) return;
    listeners.delete(listener);
    if (listeners.size === 0) this.channels.delete(channel);
  }

  /** Returns how many listeners will receive the message. */
  publish(channel: string, message: string): number {
    const listeners = [...(this.channels.get(channel) ?? [])];
    if (listeners.length > 0)
      setImmediate(() => listeners.forEach((listener) => listener(channel, message)));
    return listeners.length;
  }
}
