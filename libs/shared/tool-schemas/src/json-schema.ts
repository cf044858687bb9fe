/** The JSON Schema (draft 2020-12) subset the contracts use; enough to type them precisely. */
export interface JsonSchema {
  readonly $schema?: string;
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';
  readonly title?: string;
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly propertyNames?: JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly (string | number | boolean | null)[];
  readonly const?: string | number | boolean | null;
  readonly default?: string | number | boolean | null;
  readonly anyOf?: readonly JsonSchema[];
  readonly if?: JsonSchema;
  readonly then?: JsonSchema;
  readonly else?: JsonSchema;
  readonly examples?: readonly unknown[];
}

/** A tool's `inputSchema`/`outputSchema`: an object schema that names every property it accepts. */
export interface JsonObjectSchema extends JsonSchema {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, JsonSchema>>;
  readonly additionalProperties: false;
}

/** JSON Schema dialect of every contract schema (the MCP default dialect since 2025-11-25). */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** Largest integer both JSON Schema and joi (which rejects unsafe numbers) accept. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Freezes a schema graph so no consumer can change a contract at run time. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Declares a contract object schema: checked against {@link JsonObjectSchema}, then frozen. */
export function objectSchema(schema: JsonObjectSchema): JsonObjectSchema {
  return deepFreeze(schema);
}
