/** Whether `value` is a JSON object (not null, not an array): what a message's params, results and `_meta` must be. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
