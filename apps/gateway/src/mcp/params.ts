import { specTypeSchemas } from '@modelcontextprotocol/server';
import { rpcErrors } from './jsonrpc.js';

type SchemaName = keyof typeof specTypeSchemas;

/** The spec's params schema per method (from the SDK); methods not listed take any object. */
const PARAMS_SCHEMA: Record<string, SchemaName> = {
  initialize: 'InitializeRequestParams',
  'tools/call': 'CallToolRequestParams',
  'tools/list': 'PaginatedRequestParams',
  'resources/list': 'PaginatedRequestParams',
  'resources/templates/list': 'PaginatedRequestParams',
  'resources/read': 'ReadResourceRequestParams',
  'prompts/list': 'PaginatedRequestParams',
  'prompts/get': 'GetPromptRequestParams',
  'logging/setLevel': 'SetLevelRequestParams',
  'completion/complete': 'CompleteRequestParams',
};

/** Validates a request's params against the spec (SDK schemas); -32602 names the first bad field. */
export function validateParams(method: string, params: unknown): Record<string, unknown> {
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw rpcErrors.invalidParams('params must be an object');
  }
  const value = (params ?? {}) as Record<string, unknown>;
  // Own keys only: a method named `constructor` or `toString` must not find Object.prototype's.
  const schemaName = Object.hasOwn(PARAMS_SCHEMA, method) ? PARAMS_SCHEMA[method] : undefined;
  if (!schemaName) return value;
  const result = specTypeSchemas[schemaName]['~standard'].validate(value);
  if (result instanceof Promise) return value;
  if (result.issues) {
    const issue = result.issues[0];
    const field = issue?.path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.') || '(params)';
    throw rpcErrors.invalidParams(`${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  return value;
}
