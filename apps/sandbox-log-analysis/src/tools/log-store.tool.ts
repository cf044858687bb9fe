import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { CorpusStore } from '../corpus/corpus-store.js';
import type { CorpusIndex } from '../corpus/load-corpus.js';
import type { LogRecord } from '../corpus/log-record.js';
import { runQuery, type QueryResult } from '../corpus/query.js';
import { InvalidToolArguments, ToolFailure, type SandboxTool } from '../mcp/tool.js';
import { compileSafeRegex, SafeRegexError, type SafeRegex } from '../safe-regex/safe-regex.js';
import {
  logStoreInput,
  logStoreOutput,
  MAX_GROUPS,
  type LogStoreArgs,
  type LogStoreOutput,
} from './log-store.schema.js';

/** Steps of the regex engine one call may take (≈ a few seconds of CPU at worst). */
export const REGEX_STEP_BUDGET = 200_000_000;
const SUMMARY_LINES = 50;
const SUMMARY_LINE_CHARS = 300;

function compile(args: LogStoreArgs): SafeRegex | undefined {
  if (args.regex === undefined) return undefined;
  try {
    return compileSafeRegex(args.regex, { ignoreCase: args.case_insensitive ?? false });
  } catch (err) {
    if (err instanceof SafeRegexError)
      throw new InvalidToolArguments('regex', err.message, { cause: err });
    throw err;
  }
}

async function snapshot(store: CorpusStore, reload: boolean): Promise<CorpusIndex> {
  if (reload) {
    try {
      return await store.reload();
    } catch (err) {
      throw new ToolFailure(
        'CORPUS_UNAVAILABLE',
        `log corpus could not be read: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
  }
  const index = store.current();
  if (index) return index;
  const failure = store.failure();
  const reason = failure instanceof Error ? failure.message : 'not loaded yet';
  throw new ToolFailure(
    'CORPUS_UNAVAILABLE',
    `log corpus unavailable (${reason}); retry with reload: true`,
  );
}

const toWire = (r: LogRecord): LogStoreOutput['records'][number] => ({
  file: r.file,
  line: r.line,
  timestamp: r.time === undefined ? null : new Date(r.time).toISOString(),
  level: r.level ?? null,
  message: r.message ?? null,
  fields: { ...r.fields },
});

function structured(result: QueryResult, index: CorpusIndex, args: LogStoreArgs): LogStoreOutput {
  return {
    matched: result.matched,
    returned: result.records.length,
    truncated: result.matched > result.records.length,
    records: result.records.map(toWire),
    ...(args.group_by === undefined
      ? {}
      : {
          group_by: args.group_by,
          groups: [...(result.groups ?? [])],
          distinct_groups: result.distinctGroups ?? 0,
          missing_group: result.missingGroup ?? 0,
        }),
    corpus: {
      files: index.files.length,
      records: index.records.length,
      bytes: index.bytes,
      skipped: index.skipped.map((s) => ({ name: s.name, reason: s.reason })),
      loaded_at: index.loadedAt.toISOString(),
    },
  };
}

const clip = (s: string) =>
  s.length > SUMMARY_LINE_CHARS ? `${s.slice(0, SUMMARY_LINE_CHARS)}…` : s;

function summary(out: LogStoreOutput): string {
  const lines = [
    `${out.matched} of ${out.corpus.records} log lines matched${out.truncated && out.returned > 0 ? `; showing the first ${out.returned}` : ''}.`,
  ];
  if (out.groups) {
    const shown = out.groups.map((g) => `${g.value}: ${g.count}`).join(', ');
    lines.push(
      `By ${out.group_by} (${out.distinct_groups} distinct${out.missing_group ? `, ${out.missing_group} without it` : ''}): ${shown || 'none'}`,
    );
  }
  for (const r of out.records.slice(0, SUMMARY_LINES)) {
    lines.push(
      clip(
        `${r.timestamp ?? '-'} ${r.level ?? '-'} ${r.file}:${r.line} ${r.message ?? ''}`.trimEnd(),
      ),
    );
  }
  if (out.records.length > SUMMARY_LINES)
    lines.push(`… ${out.records.length - SUMMARY_LINES} more in structuredContent`);
  return lines.join('\n');
}

/** `log_store`: search and aggregate the log corpus. */
export function logStoreTool(store: CorpusStore): SandboxTool<LogStoreArgs> {
  return {
    name: 'log_store',
    title: 'Log search',
    description:
      'Search and aggregate the log corpus (JSON lines, nginx access logs, timestamped text): filter by time range, level, regex and exact field values; count matches per value of a field.',
    input: logStoreInput,
    output: logStoreOutput,
    annotations: { readOnlyHint: true, openWorldHint: false, idempotentHint: true },
    async run(args, ctx): Promise<CallToolResult> {
      const regex = compile(args);
      const index = await snapshot(store, args.reload ?? false);
      if (ctx.signal.aborted) throw new ToolFailure('CANCELLED', 'log_store was cancelled');
      const budget = { remaining: REGEX_STEP_BUDGET };
      let result: QueryResult;
      try {
        result = runQuery(
          index.records,
          {
            from: args.from === undefined ? undefined : Date.parse(args.from),
            to: args.to === undefined ? undefined : Date.parse(args.to),
            level: args.level,
            regex,
            fields: args.fields,
            limit: args.limit,
            groupBy: args.group_by,
            maxGroups: MAX_GROUPS,
          },
          budget,
        );
      } catch (err) {
        if (err instanceof SafeRegexError && err.code === 'REGEX_BUDGET_EXCEEDED') {
          throw new ToolFailure(
            'SEARCH_BUDGET_EXCEEDED',
            'the regex search used up its work budget; narrow it with from/to, level or fields',
            { cause: err },
          );
        }
        throw err;
      }
      const out = structured(result, index, args);
      return { content: [{ type: 'text', text: summary(out) }], structuredContent: out };
    },
  };
}
