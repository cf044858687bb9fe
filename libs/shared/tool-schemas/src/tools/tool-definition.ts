import type Joi from 'joi';
import type { JsonObjectSchema } from '../json-schema.js';

/** MCP tool annotations (hints for clients; never trusted for security decisions). */
export interface ToolAnnotations {
  readonly readOnlyHint: boolean;
  readonly idempotentHint: boolean;
  readonly openWorldHint: boolean;
}

/**
 * A built-in tool as the gateway serves it: the wire definition for `tools/list` (name, title,
 * description, JSON Schemas, annotations) plus the joi schemas that validate arguments before
 * any call and results before they are returned.
 */
export interface BuiltInToolDefinition<Name extends string, Input, Output> {
  readonly name: Name;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: JsonObjectSchema;
  readonly outputSchema: JsonObjectSchema;
  readonly annotations: ToolAnnotations;
  readonly input: Joi.ObjectSchema<Input>;
  readonly output: Joi.ObjectSchema<Output>;
}
