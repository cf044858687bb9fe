import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { redact, SENSITIVE_KINDS, type SensitiveKind } from '@mcpgw/sensitive-data';
import type { SandboxTool } from '../mcp/tool.js';

const kind = z.enum(SENSITIVE_KINDS);

const privacyOutput = z.object({
  text: z.string().describe('the text with every finding replaced by [REDACTED:<kind>]'),
  counts: z
    .partialRecord(kind, z.number().int().min(1))
    .describe('findings per kind (kinds with none are absent)'),
  total: z.number().int(),
});

function privacyInput(maxTextChars: number) {
  return z.strictObject({
    text: z
      .string()
      .max(maxTextChars)
      .describe(`text to scrub, at most ${maxTextChars} characters`),
    kinds: z
      .array(kind)
      .min(1)
      .max(SENSITIVE_KINDS.length)
      .optional()
      .describe('only these kinds (default: all)'),
  });
}

type PrivacyArgs = z.output<ReturnType<typeof privacyInput>>;

/** `privacy`: scrub secrets and personal data from text with `@mcpgw/sensitive-data`. */
export function privacyTool(maxTextChars: number): SandboxTool<PrivacyArgs> {
  return {
    name: 'privacy',
    title: 'Scrub secrets and PII',
    description: `Replace secrets and personal data in text (${SENSITIVE_KINDS.join(', ')}) with [REDACTED:<kind>] and count them per kind.`,
    input: privacyInput(maxTextChars),
    output: privacyOutput,
    annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    async run(args): Promise<CallToolResult> {
      const result = redact(args.text, { kinds: args.kinds as SensitiveKind[] | undefined });
      const total = Object.values(result.counts).reduce((sum, n) => sum + (n ?? 0), 0);
      const breakdown = Object.entries(result.counts)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      const heading = total === 0 ? 'Nothing to redact.' : `Redacted ${total}: ${breakdown}.`;
      return {
        content: [{ type: 'text', text: `${heading}\n\n${result.text}` }],
        structuredContent: { text: result.text, counts: { ...result.counts }, total },
      };
    },
  };
}
