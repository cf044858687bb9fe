import { Ajv, type ValidateFunction } from 'ajv';
import { rpcErrors } from '../mcp/jsonrpc.js';

/**
 * Upstream tool arguments checked against the tool's own input schema before forwarding. Each
 * schema is compiled once (cached per definition object, which the catalogue replaces when the
 * upstream's listing changes); a schema Ajv cannot compile is left to the upstream to enforce.
 */
export class ArgumentValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false });
  private readonly compiled = new WeakMap<object, ValidateFunction | null>();

  check(definition: Readonly<Record<string, unknown>>, args: unknown): void {
    let validate = this.compiled.get(definition);
    if (validate === undefined) {
      const schema = definition['inputSchema'];
      try {
        validate = schema && typeof schema === 'object' ? this.ajv.compile(schema) : null;
      } catch {
        validate = null;
      }
      this.compiled.set(definition, validate);
    }
    if (validate && !validate(args)) {
      const first = validate.errors?.[0];
      const path = first?.instancePath.replace(/^\//, '').replace(/\//g, '.') ?? '';
      // A missing or an undeclared property is named by ajv in params, not in the path.
      const { missingProperty, additionalProperty } = (first?.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
      const named = (missingProperty ?? additionalProperty)?.slice(0, 128); // the caller's own key: bounded
      const field = path && named ? `${path}.${named}` : path || named || 'arguments';
      throw rpcErrors.invalidParams(`arguments.${field}: ${first?.message ?? 'invalid'}`, { field });
    }
  }
}

const IDENTITY_KEYS = /^(user(_?id)?|sub|subject|principal|roles?|tenant(_?id)?|client_?id|auth(orization)?|token|api_?key|impersonate|on_?behalf_?of)$/i;

/**
 * `_meta` may carry protocol data (progress tokens, trace context) but never a claim about who
 * the caller is: identity comes from authentication only.
 */
export function rejectIdentityMeta(params: Record<string, unknown> | undefined): void {
  const meta = params?.['_meta'];
  if (!meta || typeof meta !== 'object') return;
  for (const key of Object.keys(meta)) {
    const bare = key.includes('/') ? key.slice(key.lastIndexOf('/') + 1) : key;
    if (IDENTITY_KEYS.test(bare)) throw rpcErrors.invalidParams(`_meta.${key.slice(0, 64)}: identity fields are not accepted`, { field: `_meta.${key.slice(0, 64)}` });
  }
}
