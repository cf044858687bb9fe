import type { StateStore } from '@mcpgw/state';
import type { AuditEvent } from '@mcpgw/tool-schemas';

/** Key remembering an event id (the store adds `anl:`); value: the ingest entry that owns it. */
export const seenKey = (eventId: string): string => `ev:${eventId.toLowerCase()}`;

/**
 * Decides which events of ingest entry `entryId` are new. SET NX makes the first entry that
 * carries an event id its owner; a redelivery of that same entry (after a crash) still owns
 * it, any other entry (a re-sent batch) does not. Deterministic per entry, so re-processing
 * an entry always handles the same events.
 */
export async function claimEvents(
  store: StateStore,
  events: readonly AuditEvent[],
  entryId: string,
  ttlMs: number,
): Promise<AuditEvent[]> {
  const won = await Promise.all(
    events.map((e) => store.set(seenKey(e.event_id), entryId, { onlyIfAbsent: true, ttlMs })),
  );
  const owners = await Promise.all(
    events.map((e, i) => (won[i] ? entryId : store.get(seenKey(e.event_id)))),
  );
  return events.filter((_, i) => owners[i] === entryId);
}

/** Of `events`, those whose ids were already seen (cheap pre-check at ingestion). */
export async function knownEvents(
  store: StateStore,
  events: readonly AuditEvent[],
): Promise<Set<string>> {
  const owners = await Promise.all(events.map((e) => store.get(seenKey(e.event_id))));
  return new Set(events.filter((_, i) => owners[i] !== null).map((e) => e.event_id));
}
