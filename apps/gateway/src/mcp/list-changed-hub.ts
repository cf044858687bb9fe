import type { ServerResponse } from 'node:http';

export type ListKind = 'tools' | 'prompts' | 'resources';

interface Subscriber {
  readonly kinds: ReadonlySet<ListKind>;
  readonly subscriptionId: string | number;
  readonly res: ServerResponse;
}

const METHODS: Record<ListKind, string> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
};

/**
 * Open `subscriptions/listen` streams (2026-07-28) of this process and what each asked for. When
 * the catalogue's view of a list changes, every interested stream gets the notification, tagged
 * with its subscription id. Bounded in number; keep-alive comments hold idle streams open.
 */
export class ListChangedHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(private readonly maxSubscribers = 1024) {
    this.keepAlive = setInterval(() => {
      for (const s of this.subscribers) s.res.write(': keep-alive\n\n');
    }, 15_000);
    this.keepAlive.unref();
  }

  get size(): number {
    return this.subscribers.size;
  }

  hasRoom(): boolean {
    return this.subscribers.size < this.maxSubscribers;
  }

  /** Starts the SSE stream with the acknowledgement and keeps it until the client goes away. */
  open(res: ServerResponse, subscriptionId: string | number, kinds: ReadonlySet<ListKind>): void {
    const subscriber: Subscriber = { kinds, subscriptionId, res };
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform' });
    const honoured = {
      ...(kinds.has('tools') ? { toolsListChanged: true } : {}),
      ...(kinds.has('prompts') ? { promptsListChanged: true } : {}),
      ...(kinds.has('resources') ? { resourcesListChanged: true } : {}),
    };
    this.write(subscriber, 'notifications/subscriptions/acknowledged', { notifications: honoured });
    this.subscribers.add(subscriber);
    res.once('close', () => this.subscribers.delete(subscriber));
  }

  notify(kinds: ReadonlySet<ListKind>): void {
    for (const subscriber of this.subscribers) {
      for (const kind of kinds) if (subscriber.kinds.has(kind)) this.write(subscriber, METHODS[kind], {});
    }
  }

  close(): void {
    clearInterval(this.keepAlive);
    for (const s of this.subscribers) s.res.end();
    this.subscribers.clear();
  }

  private write(subscriber: Subscriber, method: string, params: Record<string, unknown>): void {
    if (subscriber.res.writableEnded) return;
    const message = { jsonrpc: '2.0', method, params: { ...params, _meta: { 'io.modelcontextprotocol/subscriptionId': subscriber.subscriptionId } } };
    subscriber.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }
}
