import type { StandardSchemaV1 } from '@modelcontextprotocol/client';

/**
 * A result schema that accepts any JSON object unchanged: the gateway relays upstream results as
 * they are (content, structuredContent, isError) instead of re-validating them into another shape.
 */
export const passthroughResult: StandardSchemaV1<Record<string, unknown>, Record<string, unknown>> = {
  '~standard': {
    version: 1,
    vendor: 'mcpgw',
    validate: (value) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? { value: value as Record<string, unknown> }
        : { issues: [{ message: 'upstream result is not a JSON object' }] },
  },
};
