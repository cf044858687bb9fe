/**
 * What the conformance suite's server scenarios expect a server to offer, under the suite's own
 * names (`test_simple_text`, `json_schema_2020_12_tool`, `test://static-text`, ...). The fixture
 * server serves this catalogue either whole (`/mcp`) or split into namespaces so that a gateway
 * with `namespaceSeparator: "_"` re-creates exactly these names (see fixture-server.ts).
 */
import type {
  CallToolResult,
  GetPromptResult,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';

/** A 1x1 red PNG pixel. */
export const PNG_BASE64 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A minimal (empty) PCM WAV file. */
export const WAV_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

/** What a tool handler may do besides returning: the session's server-to-client channel. */
export interface ToolContext {
  /** `notifications/message` on the call's own stream. */
  log(level: 'debug' | 'info' | 'warning' | 'error', data: string): Promise<void>;
  /** `notifications/progress`, when the caller asked for progress. */
  progress(progress: number, total: number): Promise<void>;
  /** A server-to-client request (sampling, elicitation); resolves with the client's result. */
  ask(
    method: 'sampling/createMessage' | 'elicitation/create',
    params: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}

export interface FixtureTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown> & { type: 'object' };
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<CallToolResult>;
}

export interface FixturePrompt {
  name: string;
  description: string;
  arguments?: Array<{ name: string; description: string; required: boolean }>;
  get(args: Record<string, string>): GetPromptResult;
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const noArgs = { type: 'object' as const, properties: {} };

/** Asks the client and describes its answer; a client without the capability yields an error result. */
async function askAndDescribe(
  ctx: ToolContext,
  method: 'sampling/createMessage' | 'elicitation/create',
  params: Record<string, unknown>,
): Promise<CallToolResult> {
  try {
    const result = await ctx.ask(method, params);
    if (method === 'sampling/createMessage') {
      const content = result['content'] as { text?: unknown } | undefined;
      return text(`LLM response: ${typeof content?.text === 'string' ? content.text : 'no text'}`);
    }
    return text(
      `Elicitation completed: action=${String(result['action'])}, content=${JSON.stringify(result['content'] ?? {})}`,
    );
  } catch (err) {
    return {
      isError: true,
      content: [
        {
          type: 'text',
          text: `${method} failed: ${err instanceof Error ? err.message : String(err)}`,
        },
      ],
    };
  }
}

const elicitationSchema = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
});

export const TOOLS: readonly FixtureTool[] = [
  {
    name: 'test_simple_text',
    description: 'Returns one text block',
    inputSchema: noArgs,
    run: async () => text('This is a simple text response for testing.'),
  },
  {
    name: 'test_image_content',
    description: 'Returns one PNG image block',
    inputSchema: noArgs,
    run: async () => ({ content: [{ type: 'image', data: PNG_BASE64, mimeType: 'image/png' }] }),
  },
  {
    name: 'test_audio_content',
    description: 'Returns one WAV audio block',
    inputSchema: noArgs,
    run: async () => ({ content: [{ type: 'audio', data: WAV_BASE64, mimeType: 'audio/wav' }] }),
  },
  {
    name: 'test_embedded_resource',
    description: 'Returns one embedded text resource',
    inputSchema: noArgs,
    run: async () => ({
      content: [
        {
          type: 'resource',
          resource: {
            uri: 'test://embedded-resource',
            mimeType: 'text/plain',
            text: 'This is an embedded resource content.',
          },
        },
      ],
    }),
  },
  {
    name: 'test_multiple_content_types',
    description: 'Returns text, image and resource blocks',
    inputSchema: noArgs,
    run: async () => ({
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: PNG_BASE64, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: {
            uri: 'test://mixed-content-resource',
            mimeType: 'application/json',
            text: JSON.stringify({ test: 'data', value: 123 }),
          },
        },
      ],
    }),
  },
  {
    name: 'test_tool_with_logging',
    description: 'Sends three info log notifications while it runs',
    inputSchema: noArgs,
    run: async (_args, ctx) => {
      await ctx.log('info', 'Tool execution started');
      await sleep(50);
      await ctx.log('info', 'Tool processing data');
      await sleep(50);
      await ctx.log('info', 'Tool execution completed');
      return text('Tool with logging executed successfully');
    },
  },
  {
    name: 'test_tool_with_progress',
    description: 'Reports progress 0, 50 and 100 of 100',
    inputSchema: noArgs,
    run: async (_args, ctx) => {
      for (const step of [0, 50, 100]) {
        await ctx.progress(step, 100);
        if (step < 100) await sleep(50);
      }
      return text('Tool with progress executed successfully');
    },
  },
  {
    name: 'test_error_handling',
    description: 'Always fails with a tool error',
    inputSchema: noArgs,
    run: async () => ({
      isError: true,
      content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }],
    }),
  },
  {
    name: 'test_reconnection',
    description: 'Answers after a short pause (SSE polling scenario)',
    inputSchema: noArgs,
    run: async () => {
      await sleep(100);
      return text('Reconnection test completed successfully.');
    },
  },
  {
    name: 'test_sampling',
    description: 'Asks the client for an LLM completion of the prompt',
    inputSchema: {
      type: 'object',
      properties: { prompt: { type: 'string', description: 'The prompt to send to the LLM' } },
      required: ['prompt'],
    },
    run: (args, ctx) =>
      askAndDescribe(ctx, 'sampling/createMessage', {
        messages: [{ role: 'user', content: { type: 'text', text: String(args['prompt']) } }],
        maxTokens: 100,
      }),
  },
  {
    name: 'test_elicitation',
    description: 'Asks the user for a username and an email',
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', description: 'The message to show the user' } },
      required: ['message'],
    },
    run: (args, ctx) =>
      askAndDescribe(ctx, 'elicitation/create', {
        message: String(args['message']),
        requestedSchema: elicitationSchema(
          {
            username: { type: 'string', description: "User's response" },
            email: { type: 'string', description: "User's email address" },
          },
          ['username', 'email'],
        ),
      }),
  },
  {
    name: 'test_elicitation_sep1034_defaults',
    description: 'Elicitation with a default for every primitive type (SEP-1034)',
    inputSchema: noArgs,
    run: (_args, ctx) =>
      askAndDescribe(ctx, 'elicitation/create', {
        message: 'Please review and update the form fields with defaults',
        requestedSchema: elicitationSchema({
          name: { type: 'string', description: 'User name', default: 'John Doe' },
          age: { type: 'integer', description: 'User age', default: 30 },
          score: { type: 'number', description: 'User score', default: 95.5 },
          status: {
            type: 'string',
            description: 'User status',
            enum: ['active', 'inactive', 'pending'],
            default: 'active',
          },
          verified: { type: 'boolean', description: 'Verification status', default: true },
        }),
      }),
  },
  {
    name: 'test_elicitation_sep1330_enums',
    description: 'Elicitation with the five enum shapes (SEP-1330)',
    inputSchema: noArgs,
    run: (_args, ctx) =>
      askAndDescribe(ctx, 'elicitation/create', {
        message: 'Please pick from the enum fields',
        requestedSchema: elicitationSchema({
          untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          titledSingle: {
            type: 'string',
            oneOf: [
              { const: 'value1', title: 'First Option' },
              { const: 'value2', title: 'Second Option' },
              { const: 'value3', title: 'Third Option' },
            ],
          },
          legacyEnum: {
            type: 'string',
            enum: ['opt1', 'opt2', 'opt3'],
            enumNames: ['Option One', 'Option Two', 'Option Three'],
          },
          untitledMulti: {
            type: 'array',
            items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
          },
          titledMulti: {
            type: 'array',
            items: {
              anyOf: [
                { const: 'value1', title: 'First Choice' },
                { const: 'value2', title: 'Second Choice' },
                { const: 'value3', title: 'Third Choice' },
              ],
            },
          },
        }),
      }),
  },
  {
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        address: {
          type: 'object',
          properties: { street: { type: 'string' }, city: { type: 'string' } },
        },
      },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
    },
    run: async (args) => text(`Received ${JSON.stringify(args)}`),
  },
];

export const RESOURCES = [
  {
    uri: 'test://static-text',
    name: 'static-text',
    description: 'A static text resource',
    mimeType: 'text/plain',
  },
  {
    uri: 'test://static-binary',
    name: 'static-binary',
    description: 'A static PNG resource',
    mimeType: 'image/png',
  },
  {
    uri: 'test://watched-resource',
    name: 'watched-resource',
    description: 'A resource clients may subscribe to',
    mimeType: 'text/plain',
  },
] as const;

export const RESOURCE_TEMPLATES = [
  {
    uriTemplate: 'test://template/{id}/data',
    name: 'template-data',
    description: 'Data for one id',
    mimeType: 'application/json',
  },
] as const;

/** Reads a listed resource or a template instance; undefined for any other URI. */
export function readResource(uri: string): ReadResourceResult | undefined {
  if (uri === 'test://static-text')
    return {
      contents: [
        { uri, mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
      ],
    };
  if (uri === 'test://static-binary')
    return { contents: [{ uri, mimeType: 'image/png', blob: PNG_BASE64 }] };
  if (uri === 'test://watched-resource')
    return { contents: [{ uri, mimeType: 'text/plain', text: 'Watched resource content' }] };
  const match = /^test:\/\/template\/([^/]{1,100})\/data$/.exec(uri);
  if (match) {
    const id = decodeURIComponent(match[1] ?? '');
    return {
      contents: [
        {
          uri,
          mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
        },
      ],
    };
  }
  return undefined;
}

export const PROMPTS: readonly FixturePrompt[] = [
  {
    name: 'test_simple_prompt',
    description: 'A prompt without arguments',
    get: () => ({
      messages: [
        { role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } },
      ],
    }),
  },
  {
    name: 'test_prompt_with_arguments',
    description: 'A prompt with two required arguments',
    arguments: [
      { name: 'arg1', description: 'First test argument', required: true },
      { name: 'arg2', description: 'Second test argument', required: true },
    ],
    get: (args) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text: `Prompt with arguments: arg1='${args['arg1'] ?? ''}', arg2='${args['arg2'] ?? ''}'`,
          },
        },
      ],
    }),
  },
  {
    name: 'test_prompt_with_embedded_resource',
    description: 'A prompt that embeds the resource it is given',
    arguments: [
      { name: 'resourceUri', description: 'URI of the resource to embed', required: true },
    ],
    get: (args) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'resource',
            resource: {
              uri: args['resourceUri'] ?? 'test://example-resource',
              mimeType: 'text/plain',
              text: 'Embedded resource content for testing.',
            },
          },
        },
        {
          role: 'user',
          content: { type: 'text', text: 'Please process the embedded resource above.' },
        },
      ],
    }),
  },
  {
    name: 'test_prompt_with_image',
    description: 'A prompt with an image',
    get: () => ({
      messages: [
        { role: 'user', content: { type: 'image', data: PNG_BASE64, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    }),
  },
];

/** Completion values for a prompt argument (only `arg1` of test_prompt_with_arguments has any). */
export function complete(promptName: string, argument: string, value: string): string[] {
  if (promptName !== 'test_prompt_with_arguments' || argument !== 'arg1') return [];
  return ['paris', 'park', 'party', 'test', 'testing'].filter((v) => v.startsWith(value));
}
