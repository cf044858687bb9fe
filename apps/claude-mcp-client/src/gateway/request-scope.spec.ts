import { context, propagation } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '@mcpgw/telemetry/node';
import { scopedFetch, withGatewayGrant } from './request-scope.js';

function recorder() {
  const seen: Headers[] = [];
  const fetch = (_url: string | URL, init?: RequestInit) => {
    seen.push(new Headers(init?.headers));
    return Promise.resolve(new Response('{}'));
  };
  return { seen, fetch };
}

describe('scopedFetch', () => {
  // The app's telemetry bootstrap: W3C trace context + baggage propagators, async context.
  let telemetry: { shutdown(): Promise<void> };
  beforeAll(async () => {
    telemetry = await startTelemetry({ serviceName: 'request-scope-spec', logger: { warn: () => undefined } });
  });
  afterAll(() => telemetry.shutdown());

  it('adds the grant of the current exchange as a baggage member, and nothing outside one', async () => {
    const { seen, fetch } = recorder();
    const scoped = scopedFetch(fetch);
    await withGatewayGrant('grant-of-alice-0123456789abcdefghij', () => scoped('http://gw/mcp', { headers: { authorization: 'Bearer k' } }));
    await scoped('http://gw/mcp');
    expect(seen[0]?.get('baggage')).toBe('chat_grant=grant-of-alice-0123456789abcdefghij');
    expect(seen[0]?.get('traceparent')).toBeNull();
    expect(seen[0]?.get('authorization')).toBe('Bearer k');
    expect(seen[1]?.get('baggage')).toBeNull();
  });

  it('keeps concurrent exchanges apart', async () => {
    const { seen, fetch } = recorder();
    const scoped = scopedFetch(fetch);
    await Promise.all(
      ['a', 'b', 'c'].map((u) => withGatewayGrant(`grant-${u}-0123456789abcdefghijklmnop`, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await scoped(`http://gw/${u}`);
      })),
    );
    expect(seen.map((h) => h.get('baggage')).sort()).toEqual(['a', 'b', 'c'].map((u) => `chat_grant=grant-${u}-0123456789abcdefghijklmnop`));
  });

  it('keeps inherited baggage but never an inherited grant', async () => {
    const { seen, fetch } = recorder();
    const baggage = propagation.createBaggage({ team: { value: 'blue' }, chat_grant: { value: 'someone-elses-grant-0123456789abcdef' } });
    await context.with(propagation.setBaggage(context.active(), baggage), () => scopedFetch(fetch)('http://gw/mcp'));
    expect(seen[0]?.get('baggage')).toBe('team=blue');
  });
});
