import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { UpstreamConfig } from '../gateway-config/schema.js';
import { effectiveUpstreams, overlayChanges, UpstreamChangeError, type OverlayEntry } from './upstream-set.js';

const upstream = (id: string, url = `http://127.0.0.1:1/${id}`): UpstreamConfig => ({
  id,
  transport: 'streamable-http',
  url,
  headers: {},
  args: [],
  env: {},
  serverRequests: [],
  timeoutMs: 30_000,
  maxDurationMs: 300_000,
  idleTimeoutMs: 300_000,
  breaker: { errorThresholdPercentage: 50, resetTimeoutMs: 10_000, volumeThreshold: 5 },
});
const rules = { separator: '__', builtinNames: ['sentraip_threat_check', 'tyk_api_analytics'] };
const ids = (overlay: readonly OverlayEntry[], base: readonly UpstreamConfig[]) => effectiveUpstreams(base, overlay).configs.map((c) => c.id);
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof UpstreamChangeError) return { status: err.status, code: err.code, message: err.message };
    throw err;
  }
  return undefined;
};

describe('upstream overlay', () => {
  const base = [upstream('logs'), upstream('tickets')];

  it('adds runtime upstreams after the file ones, marked as runtime', () => {
    const overlay = overlayChanges.add([], base, upstream('extra'), rules, 'admin');
    const effective = effectiveUpstreams(base, overlay);
    expect(effective.configs.map((c) => c.id)).toEqual(['logs', 'tickets', 'extra']);
    expect(effective.sources.get('extra')).toBe('runtime');
    expect(effective.sources.get('logs')).toBe('file');
  });

  it('refuses an existing id and a namespace that collides with a built-in tool, with 409', () => {
    expect(refusal(() => overlayChanges.add([], base, upstream('logs'), rules, 'admin'))).toMatchObject({ status: 409, code: 'GW_ERR_UPSTREAM_EXISTS' });
    expect(refusal(() => overlayChanges.add([], base, upstream('tyk'), { ...rules, separator: '_' }, 'admin'))).toMatchObject({
      status: 409,
      code: 'GW_ERR_NAMESPACE_COLLISION',
      message: expect.stringContaining('"tyk_api_analytics"'),
    });
    expect(refusal(() => overlayChanges.add([], base, upstream('a-b'), { ...rules, separator: '-' }, 'admin'))).toMatchObject({ code: 'GW_ERR_NAMESPACE_COLLISION' });
  });

  it('removes a file upstream with a tombstone and a runtime one by forgetting it; an unknown id is 404', () => {
    let overlay = overlayChanges.add([], base, upstream('extra'), rules, 'admin');
    overlay = overlayChanges.remove(overlay, base, 'extra', 'admin');
    expect(overlay).toEqual([]);
    overlay = overlayChanges.remove(overlay, base, 'logs', 'admin');
    expect(overlay).toMatchObject([{ id: 'logs', removed: true }]);
    expect(ids(overlay, base)).toEqual(['tickets']);
    expect(refusal(() => overlayChanges.remove(overlay, base, 'logs', 'admin'))).toMatchObject({ status: 404 });
    // Adding the id again replaces the tombstone; the runtime entry then shadows the file's.
    overlay = overlayChanges.add(overlay, base, upstream('logs', 'http://127.0.0.1:2/new'), rules, 'admin');
    expect(effectiveUpstreams(base, overlay).configs.find((c) => c.id === 'logs')?.url).toBe('http://127.0.0.1:2/new');
  });

  it('drains and undrains without leaving an entry behind for a file upstream', () => {
    const drained = overlayChanges.setDrained([], base, 'logs', true, 'admin');
    expect([...effectiveUpstreams(base, drained).drained]).toEqual(['logs']);
    expect(overlayChanges.setDrained(drained, base, 'logs', false, 'admin')).toEqual([]);
    expect(refusal(() => overlayChanges.setDrained([], base, 'nope', true, 'admin'))).toMatchObject({ status: 404 });
  });

  it('a runtime tombstone outlives a reload that drops the file entry, and hides it again if it comes back', () => {
    const overlay = overlayChanges.remove([], base, 'logs', 'admin');
    expect(ids(overlay, [upstream('tickets')])).toEqual(['tickets']);
    expect(ids(overlay, base)).toEqual(['tickets']);
  });

  it('property: the effective ids are unique and an add/remove pair leaves the effective set as it was', () => {
    const id = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
    fc.assert(
      fc.property(fc.uniqueArray(id, { maxLength: 5 }), fc.array(fc.tuple(fc.constantFrom('add', 'remove', 'drain'), id), { maxLength: 12 }), id, (baseIds, ops, probe) => {
        const files = baseIds.map((i) => upstream(i));
        let overlay: OverlayEntry[] = [];
        for (const [op, target] of ops) {
          const next = refusal(() => {
            if (op === 'add') overlay = overlayChanges.add(overlay, files, upstream(target), rules, 't');
            else if (op === 'remove') overlay = overlayChanges.remove(overlay, files, target, 't');
            else overlay = overlayChanges.setDrained(overlay, files, target, true, 't');
          });
          if (next) expect([404, 409]).toContain(next.status);
        }
        const before = ids(overlay, files);
        expect(new Set(before).size).toBe(before.length);
        if (before.includes(probe)) return;
        const added = overlayChanges.add(overlay, files, upstream(probe), rules, 't');
        expect(ids(added, files)).toContain(probe);
        expect(ids(overlayChanges.remove(added, files, probe, 't'), files).sort()).toEqual([...before].sort());
      }),
    );
  });
});
