import { diag } from '@opentelemetry/api';
import { globalErrorHandler } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import { createThrottledDiagLogger } from './diag-logger.js';
import { startTelemetry } from './start-telemetry.js';

function recorder() {
  const calls: Array<{ message: string; meta?: Record<string, unknown> }> = [];
  return {
    calls,
    logger: {
      warn: (message: string, meta?: Record<string, unknown>) => calls.push({ message, meta }),
    },
  };
}

describe('createThrottledDiagLogger', () => {
  it('turns every diagnostic level into one warn line', () => {
    const { calls, logger } = recorder();
    const diagLogger = createThrottledDiagLogger(logger);
    diagLogger.error('export failed', { code: 'ECONNREFUSED' });
    diagLogger.warn('slow');
    expect(calls).toEqual([
      {
        message: 'opentelemetry: export failed',
        meta: { diag_level: 'error', detail: [{ code: 'ECONNREFUSED' }] },
      },
      { message: 'opentelemetry: slow', meta: { diag_level: 'warn', detail: [] } },
    ]);
  });

  it('folds repeats within the interval into a suppressed count', () => {
    const { calls, logger } = recorder();
    let now = 0;
    const diagLogger = createThrottledDiagLogger(logger, { intervalMs: 1_000, now: () => now });
    for (let i = 0; i < 5; i += 1) diagLogger.error('export failed');
    diagLogger.error('another message');
    now = 1_000;
    diagLogger.error('export failed');
    expect(calls.map((c) => [c.message, c.meta?.['suppressed']])).toEqual([
      ['opentelemetry: export failed', undefined],
      ['opentelemetry: another message', undefined],
      ['opentelemetry: export failed', 4],
    ]);
  });
});

describe('startTelemetry diagnostics wiring', () => {
  it('routes OpenTelemetry diag and export errors to the logger as warnings', async () => {
    const { calls, logger } = recorder();
    const handle = await startTelemetry({ serviceName: 'diag-spec', logger });
    try {
      diag.error('collector unreachable');
      diag.info('below the WARN level');
      globalErrorHandler(new Error('export failed: ECONNREFUSED'));
      expect(calls.map((c) => c.message)).toEqual([
        'opentelemetry: collector unreachable',
        'opentelemetry: export error',
      ]);
    } finally {
      await handle.shutdown();
    }
  });
});
