import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  classifyInboundRequest,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  RELATED_TASK_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import { isPlainLegacyRequest, PLAIN_LEGACY_ROUTE } from './plain-legacy-request.js';

const sdkRoute = (body: unknown, protocolVersionHeader: string | undefined) =>
  classifyInboundRequest({ httpMethod: 'POST', protocolVersionHeader, body });

/** Values around the SDK's id and token rules: strings, safe and unsafe integers, fractions, wrong types. */
const idLike = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.double(), fc.constantFrom(2 ** 60, -0, null, true, 'x'), fc.object({ maxDepth: 1 }));
const metaKey = fc.constantFrom('progressToken', PROTOCOL_VERSION_META_KEY, RELATED_TASK_META_KEY, CLIENT_INFO_META_KEY, 'traceparent', 'x');
const metaValue = fc.oneof(idLike, fc.constantFrom('2025-11-25', '2026-07-28', '2099-01-01'), fc.record({ taskId: fc.string({ maxLength: 4 }) }));
const meta = fc.oneof(fc.constantFrom(null, [], 'meta'), fc.dictionary(metaKey, metaValue, { maxKeys: 3 }));
const params = fc.oneof(
  fc.constantFrom(null, [], 'params', 3),
  fc.record({ name: fc.string({ maxLength: 8 }), arguments: fc.object({ maxDepth: 2 }), _meta: meta }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);
const validId = fc.oneof(fc.string({ maxLength: 8 }), fc.integer());
/** Mostly well-formed requests, so that both answers come up often. */
const nearlyPlain = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '2.0', '2.0', '2.0', '1.0'),
    id: fc.oneof({ weight: 4, arbitrary: validId }, { weight: 1, arbitrary: idLike }),
    method: fc.constantFrom('tools/call', 'tools/call', 'tools/list', 'ping', 'initialize'),
    params: fc.oneof(
      { weight: 4, arbitrary: fc.record({ name: fc.string({ maxLength: 8 }), arguments: fc.object({ maxDepth: 2 }), _meta: meta }, { requiredKeys: ['name'] }) },
      { weight: 1, arbitrary: params },
    ),
  },
  { requiredKeys: ['jsonrpc', 'id', 'method'] },
);
const body = fc.oneof(
  { weight: 3, arbitrary: nearlyPlain },
  fc.record(
    {
      jsonrpc: fc.constantFrom('2.0', '2.0', '2.0', '1.0', 2),
      id: idLike,
      method: fc.constantFrom('tools/call', 'tools/list', 'ping', 'initialize', 'notifications/cancelled', '', 7),
      params,
      result: fc.object({ maxDepth: 1 }),
      error: fc.record({ code: fc.integer(), message: fc.string({ maxLength: 8 }) }),
      extra: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);
const header = fc.constantFrom(undefined, ...SUPPORTED_PROTOCOL_VERSIONS, '2026-07-28', ' 2025-11-25', '2025-11-25 ', 'garbage', '');

/** A request as the entry sees it: parsed from JSON (no undefined values, no -0). */
const asParsedJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null)) as unknown;

describe('isPlainLegacyRequest', () => {
  it('is taken only where the SDK answers a plain legacy route, over generated requests', () => {
    let taken = 0;
    let declined = 0;
    fc.assert(
      fc.property(body, header, (generated, version) => {
        const parsed = asParsedJson(generated);
        if (!isPlainLegacyRequest(parsed, version)) {
          declined += 1;
          return;
        }
        taken += 1;
        expect(sdkRoute(parsed, version)).toMatchObject(PLAIN_LEGACY_ROUTE);
      }),
      { numRuns: 3000 },
    );
    // Neither side may be empty, or the property proves nothing.
    expect(taken).toBeGreaterThan(50);
    expect(declined).toBeGreaterThan(50);
  });

  it('takes the calls 2025-era clients send', () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a__b', arguments: { payload: 'x'.repeat(1024) } } };
    expect(isPlainLegacyRequest(call, '2025-11-25')).toBe(true);
    expect(isPlainLegacyRequest(call, undefined)).toBe(true);
    expect(isPlainLegacyRequest({ ...call, id: 'req-7', params: { ...call.params, _meta: { progressToken: 'p1' } } }, '2025-06-18')).toBe(true);
    expect(isPlainLegacyRequest({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, '2025-11-25')).toBe(true);
  });

  it('leaves everything else to the SDK', () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a__b', arguments: {} } };
    const claim = { ...call, params: { ...call.params, _meta: { [PROTOCOL_VERSION_META_KEY]: '2026-07-28' } } };
    expect(isPlainLegacyRequest(claim, undefined)).toBe(false);
    expect(isPlainLegacyRequest(call, '2026-07-28')).toBe(false);
    expect(isPlainLegacyRequest(call, ' 2025-11-25')).toBe(false);
    expect(isPlainLegacyRequest({ ...call, method: 'initialize' }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ jsonrpc: '2.0', id: 1, result: {} }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ ...call, result: {} }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ jsonrpc: '2.0', method: 'notifications/initialized' }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ ...call, id: 2 ** 60 }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ ...call, id: 1.5 }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ ...call, params: [] }, undefined)).toBe(false);
    expect(isPlainLegacyRequest({ ...call, params: { _meta: { progressToken: null } } }, undefined)).toBe(false);
    expect(isPlainLegacyRequest(JSON.parse('{"jsonrpc":"2.0","id":1,"method":"ping","__proto__":{}}'), undefined)).toBe(false);
    expect(isPlainLegacyRequest([call], undefined)).toBe(false);
  });
});
