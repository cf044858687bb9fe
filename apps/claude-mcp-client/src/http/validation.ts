import Joi from 'joi';
import { httpErrors } from '@mcpgw/service-kit';
import { codePointLength } from '@mcpgw/tool-schemas';
import { SESSION_ID_PATTERN } from '../sessions/session-store.js';

/** A validated `POST /chat` body. */
export interface ChatRequestBody {
  message: string;
  session_id?: string;
}

/** A validated context-search query. */
export interface ContextSearchQuery {
  q: string;
  limit: number;
}

/** Control characters (C0, DEL, C1 such as U+009B CSI) other than tab and new lines have no place in a chat message. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

function validated<T>(schema: Joi.ObjectSchema<T>, value: unknown): T {
  const { value: result, error } = schema.validate(value ?? {}, { abortEarly: false, convert: true });
  if (error) {
    throw httpErrors.badRequest(
      'invalid request',
      error.details.map((d) => ({ field: d.path.join('.') || 'body', message: d.message.replace(/"/g, '') })),
    );
  }
  return result;
}

/** Validates the body of `/chat` and `/chat/stream`: a non-blank message within the length limit, an optional session id. */
export function validateChatBody(body: unknown, maxMessageChars: number): ChatRequestBody {
  const schema = Joi.object<ChatRequestBody>({
    message: Joi.string()
      .required()
      .custom((value: string, helpers) => {
        if (!/\S/.test(value)) return helpers.message({ custom: 'message must not be blank' });
        if (codePointLength(value) > maxMessageChars) return helpers.message({ custom: `message must be at most ${maxMessageChars} characters` });
        if (hasControlCharacter(value)) return helpers.message({ custom: 'message must not contain control characters' });
        return value;
      }),
    session_id: Joi.string().pattern(SESSION_ID_PATTERN).message('session_id must be 16-64 characters of A-Z a-z 0-9 _ -'),
  });
  return validated(schema, body);
}

/** Validates `?q=&limit=` of the context search (the tool's own bounds: 1-500 characters, 1-50). */
export function validateSearchQuery(query: unknown): ContextSearchQuery {
  const schema = Joi.object<ContextSearchQuery>({
    q: Joi.string()
      .required()
      .custom((value: string, helpers) => {
        if (!/\S/.test(value) || codePointLength(value) > 500) return helpers.message({ custom: 'q must be 1-500 characters, not blank' });
        return value;
      }),
    limit: Joi.number().integer().min(1).max(50).default(5),
  }).unknown(true);
  return validated(schema, query);
}
