import type Joi from 'joi';
import { httpErrors } from '@mcpgw/service-kit';
import { STRICT_VALIDATION, formatPath } from '@mcpgw/tool-schemas';

/**
 * Validates a query string: unknown parameters and repeated ones are refused, numbers are
 * converted (query values are strings), every problem is named. Throws a 400.
 */
export function parseQuery<T>(schema: Joi.ObjectSchema<T>, query: unknown): T {
  const { value, error } = schema.validate(query ?? {}, { ...STRICT_VALIDATION, convert: true });
  if (error) {
    throw httpErrors.badRequest('invalid query parameters', {
      errors: error.details.map((d) => ({ field: formatPath(d.path), message: d.message })),
    });
  }
  return value as T;
}
