import { randomUUID } from 'node:crypto';
import type { StateStore } from '@mcpgw/state';
import type { AuditEvent } from '@mcpgw/tool-schemas';
import { AUDIT_OUTBOX } from '../../../src/audit/audit-recorder.js';

/**
 * Every event in the audit outbox, oldest first, read through a consumer group of its own (a new
 * group starts at the stream's beginning, so the relay's progress does not hide anything).
 */
export async function readOutbox(store: StateStore): Promise<AuditEvent[]> {
  const group = `test-reader-${randomUUID()}`;
  await store.streamEnsureGroup(AUDIT_OUTBOX, group);
  const events: AuditEvent[] = [];
  for (let page = 0; page < 1000; page += 1) {
    const entries = await store.streamReadGroup(AUDIT_OUTBOX, group, 'test', { count: 1000 });
    if (entries.length === 0) break;
    for (const entry of entries)
      events.push(JSON.parse(entry.fields['event'] ?? '{}') as AuditEvent);
  }
  return events;
}

/**
 * Every audit event the gateway recorded: the relay trims what it has shipped from the outbox, so
 * this is what the collector received (first copies, in arrival order: the relay ships in outbox
 * order) followed by what is still in the outbox. The outbox is read first: an entry leaves it only
 * after the collector took it, so nothing falls between the two reads.
 */
export async function recordedEvents(
  store: StateStore,
  receiver: { readonly received: readonly AuditEvent[] },
): Promise<AuditEvent[]> {
  const unshipped = await readOutbox(store);
  const events: AuditEvent[] = [];
  const seen = new Set<string>();
  for (const event of [...receiver.received, ...unshipped]) {
    if (seen.has(event.event_id)) continue;
    seen.add(event.event_id);
    events.push(event);
  }
  return events;
}
