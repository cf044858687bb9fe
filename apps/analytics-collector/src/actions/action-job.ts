/** One action to run for an incident, as queued on the `actions` stream. */
export interface ActionJob {
  /** `<incident id>:<action>:<target>`: the idempotency key of this action. */
  key: string;
  incident_id: string;
  action: 'block_ip' | 'webhook';
  /** `gateway` for block_ip, the webhook id for webhooks. */
  target: string;
  created_at: string;
  payload: Record<string, unknown>;
}

/** Keys of action state. */
export const actionKeys = {
  stream: 'actions',
  group: 'executors',
  /** Set when the action reached a final outcome (success or dead letter). */
  done: (key: string) => `act:done:${key}`,
} as const;

/** Parses a queued job; undefined when the entry is not one. */
export function parseJob(fields: Record<string, string>): ActionJob | undefined {
  try {
    const job = JSON.parse(fields['job'] ?? '') as Partial<ActionJob>;
    if (
      typeof job.key === 'string' &&
      typeof job.incident_id === 'string' &&
      (job.action === 'block_ip' || job.action === 'webhook') &&
      typeof job.target === 'string' &&
      typeof job.payload === 'object' &&
      job.payload !== null
    )
      return job as ActionJob;
  } catch {
    // not JSON
  }
  return undefined;
}
