import { expect } from 'vitest';
import type { FakeMcpUpstream } from '@mcpgw/testing';
import { http, type Answer } from './rpc.js';

/** What an upstream had received at one moment. */
export interface UpstreamMark {
  readonly upstream: FakeMcpUpstream;
  readonly calls: number;
  readonly requests: number;
}

/** Marks the upstream's records before an attack is sent. */
export const mark = (upstream: FakeMcpUpstream): UpstreamMark => ({
  upstream,
  calls: upstream.calls.length,
  requests: upstream.requests.length,
});

/** Nothing reached the upstream since `before`: no tool call and no HTTP request at all. */
export function expectUntouched(...marks: UpstreamMark[]): void {
  for (const before of marks) {
    expect(
      before.upstream.calls.slice(before.calls),
      'tool calls that reached the upstream',
    ).toEqual([]);
    expect(
      before.upstream.requests.length - before.requests,
      'HTTP requests that reached the upstream',
    ).toBe(0);
  }
}

/**
 * A 401 as RFC 6750 / RFC 9728 want it: `WWW-Authenticate: Bearer resource_metadata="…"` pointing
 * at this gateway's protected-resource metadata, which answers.
 */
export async function expectUnauthorized(answer: Answer, gatewayUrl: string): Promise<void> {
  expect(answer.status, answer.text).toBe(401);
  const challenge = answer.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer resource_metadata="[^"]+"/);
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1] ?? '';
  expect(metadataUrl).toBe(`${gatewayUrl}/.well-known/oauth-protected-resource`);
  const metadata = await http(metadataUrl);
  expect(metadata.status).toBe(200);
  expect(metadata.json).toMatchObject({
    resource: expect.any(String),
    bearer_methods_supported: ['header'],
  });
}
