import { z } from 'zod';
import { LOG_LEVELS } from '../corpus/log-record.js';
import { MAX_PATTERN_LENGTH } from '../safe-regex/safe-regex.js';

/** Most records one call returns. */
export const MAX_LIMIT = 500;
/** Most groups one call returns (the largest). */
export const MAX_GROUPS = 100;
const MAX_FIELD_FILTERS = 10;

const level = z.enum(LOG_LEVELS);
const isoTime = z.iso.datetime({ offset: true });
const fieldName = z.string().min(1).max(64);
const filterValue = z.union([
  z.string().max(256),
  z.number().min(-1e15).max(1e15),
  z.boolean(),
  z.null(),
]);

/** Arguments of `log_store`. */
export const logStoreInput = z
  .strictObject({
    from: isoTime.optional().describe('start of the time range, inclusive (ISO 8601 with offset)'),
    to: isoTime.optional().describe('end of the time range, exclusive (ISO 8601 with offset)'),
    level: level.optional().describe('only lines of this normalised level'),
    regex: z
      .string()
      .min(1)
      .max(MAX_PATTERN_LENGTH)
      .optional()
      .describe(
        'ECMAScript pattern matched against the raw line, run on a linear-time engine (no backreferences or lookaround)',
      ),
    case_insensitive: z.boolean().optional().describe('match `regex` ignoring case'),
    fields: z
      .record(fieldName, filterValue)
      .refine(
        (f) => Object.keys(f).length <= MAX_FIELD_FILTERS,
        `at most ${MAX_FIELD_FILTERS} field filters`,
      )
      .meta({ maxProperties: MAX_FIELD_FILTERS })
      .optional()
      .describe(
        'exact matches on fields, compared as text; `level` and `file` are always available',
      ),
    limit: z
      .number()
      .int()
      .min(0)
      .max(MAX_LIMIT)
      .default(20)
      .describe('most matching lines returned (0: counts only)'),
    group_by: fieldName.optional().describe('count matches per value of this field'),
    reload: z.boolean().optional().describe('re-read the corpus directory before searching'),
  })
  .refine(
    (a) => a.from === undefined || a.to === undefined || Date.parse(a.from) < Date.parse(a.to),
    {
      message: '`to` must be after `from`',
      path: ['to'],
    },
  );

export type LogStoreArgs = z.output<typeof logStoreInput>;

const fieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** `structuredContent` of `log_store`. */
export const logStoreOutput = z.object({
  matched: z.number().int().describe('lines matching every filter'),
  returned: z.number().int(),
  truncated: z.boolean().describe('more lines matched than were returned'),
  records: z.array(
    z.object({
      file: z.string(),
      line: z.number().int(),
      timestamp: z.string().nullable(),
      level: level.nullable(),
      message: z.string().nullable(),
      fields: z.record(z.string(), fieldValue),
    }),
  ),
  group_by: z.string().optional(),
  groups: z.array(z.object({ value: z.string(), count: z.number().int() })).optional(),
  distinct_groups: z.number().int().optional(),
  missing_group: z.number().int().optional().describe('matches without the group_by field'),
  corpus: z.object({
    files: z.number().int(),
    records: z.number().int(),
    bytes: z.number().int(),
    skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
    loaded_at: z.string(),
  }),
});

export type LogStoreOutput = z.output<typeof logStoreOutput>;
