import Joi from 'joi';
import { codePointString, patternString } from '../joi-helpers.js';
import { objectSchema } from '../json-schema.js';
import { ISO_TIMESTAMP_PATTERN, NON_BLANK_PATTERN } from '../patterns.js';
import type { BuiltInToolDefinition } from './tool-definition.js';

/** Arguments of `claude_context_search` (after defaults: `limit` is always set). */
export interface ContextSearchInput {
  query: string;
  limit: number;
}

/** One passage of an earlier conversation. */
export interface ContextSearchResult {
  conversation_id: string;
  snippet: string;
  /** Relevance 0–1, higher is better. */
  score: number;
  timestamp: string;
}

/** Output of `claude_context_search` (the chat client's `GET /v1/context/search`). */
export interface ContextSearchOutput {
  results: ContextSearchResult[];
  /** Number of results returned (= `results.length`). */
  count: number;
}

const QUERY_MAX = 500;
const LIMIT_MAX = 50;
const ID_MAX = 128;
const SNIPPET_MAX = 2000;

/** `claude_context_search`: finds passages of earlier chat conversations. */
export const claudeContextSearchTool: BuiltInToolDefinition<
  'claude_context_search',
  ContextSearchInput,
  ContextSearchOutput
> = Object.freeze({
  name: 'claude_context_search',
  title: 'Conversation context search',
  description:
    'Search earlier chat conversations for passages relevant to a query. Returns the best-matching snippets, ' +
    'each with a relevance score from 0 to 1 (higher is better), the id of the conversation it comes from and ' +
    'when it was written. Use it to recall what was discussed or decided before, e.g. earlier findings about an ' +
    'IP address or an API.',
  inputSchema: objectSchema({
    type: 'object',
    properties: {
      query: {
        type: 'string',
        minLength: 1,
        maxLength: QUERY_MAX,
        pattern: NON_BLANK_PATTERN,
        description:
          'What to look for, in natural language or keywords (1–500 characters, not blank).',
      },
      limit: {
        type: 'integer',
        minimum: 1,
        maximum: LIMIT_MAX,
        default: 5,
        description: 'Maximum number of snippets to return, 1–50 (default 5).',
      },
    },
    required: ['query'],
    additionalProperties: false,
  }),
  outputSchema: objectSchema({
    type: 'object',
    description: 'Passages of earlier conversations, most relevant first.',
    properties: {
      results: {
        type: 'array',
        maxItems: LIMIT_MAX,
        description: 'Matching passages, most relevant first.',
        items: {
          type: 'object',
          properties: {
            conversation_id: {
              type: 'string',
              minLength: 1,
              maxLength: ID_MAX,
              description: 'Conversation the passage comes from.',
            },
            snippet: {
              type: 'string',
              minLength: 1,
              maxLength: SNIPPET_MAX,
              description: 'The matching passage.',
            },
            score: {
              type: 'number',
              minimum: 0,
              maximum: 1,
              description: 'Relevance from 0 to 1, higher is better.',
            },
            timestamp: {
              type: 'string',
              pattern: ISO_TIMESTAMP_PATTERN,
              description: 'When the passage was written (ISO 8601).',
            },
          },
          required: ['conversation_id', 'snippet', 'score', 'timestamp'],
          additionalProperties: false,
        },
      },
      count: {
        type: 'integer',
        minimum: 0,
        maximum: LIMIT_MAX,
        description: 'Number of results returned.',
      },
    },
    required: ['results', 'count'],
    additionalProperties: false,
  }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  input: Joi.object<ContextSearchInput>({
    query: codePointString(1, QUERY_MAX)
      .concat(patternString(NON_BLANK_PATTERN, 'a non-blank text'))
      .required(),
    limit: Joi.number().integer().min(1).max(LIMIT_MAX).default(5),
  }),
  output: Joi.object<ContextSearchOutput>({
    results: Joi.array()
      .items(
        Joi.object({
          conversation_id: codePointString(1, ID_MAX).required(),
          snippet: codePointString(1, SNIPPET_MAX).required(),
          score: Joi.number().min(0).max(1).required(),
          timestamp: patternString(
            ISO_TIMESTAMP_PATTERN,
            'an ISO 8601 timestamp with offset',
          ).required(),
        }),
      )
      .max(LIMIT_MAX)
      .required(),
    count: Joi.number().integer().min(0).max(LIMIT_MAX).required(),
  }),
});
