import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mcpgw/service-kit';
import { readSandboxConfig, SAMPLE_CORPUS_DIR } from './config.js';

describe('readSandboxConfig', () => {
  it('defaults to HTTP on 8091 with the shipped sample corpus and bounded caps', () => {
    const config = readSandboxConfig({});
    expect(config.transport).toBe('http');
    expect(config.port).toBe(8091);
    expect(config.corpusDir).toBe(SAMPLE_CORPUS_DIR);
    expect(SAMPLE_CORPUS_DIR).toMatch(/sandbox-log-analysis[/\\]corpus$/);
    expect(config.corpusLimits).toEqual({
      maxFileBytes: 16 * 1024 * 1024,
      maxTotalBytes: 64 * 1024 * 1024,
      maxFiles: 256,
      maxLineChars: 16_384,
    });
    expect(config.privacyMaxTextChars).toBe(100_000);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the transport, the corpus and the caps', () => {
    const config = readSandboxConfig({
      MCP_TRANSPORT: 'stdio',
      LOG_CORPUS_DIR: '/var/log/app',
      LOG_CORPUS_MAX_FILE_BYTES: '1024',
      LOG_CORPUS_MAX_TOTAL_BYTES: '4096',
      LOG_CORPUS_MAX_FILES: '3',
      LOG_CORPUS_MAX_LINE_CHARS: '100',
      PRIVACY_MAX_TEXT_CHARS: '500',
    });
    expect(config).toMatchObject({
      transport: 'stdio',
      corpusDir: '/var/log/app',
      corpusLimits: { maxFileBytes: 1024, maxTotalBytes: 4096, maxFiles: 3, maxLineChars: 100 },
      privacyMaxTextChars: 500,
    });
  });

  it('names every bad variable at once', () => {
    try {
      readSandboxConfig({
        MCP_TRANSPORT: 'pigeon',
        LOG_CORPUS_MAX_FILE_BYTES: '0',
        PRIVACY_MAX_TEXT_CHARS: 'lots',
      });
      expect.fail('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toContain('invalid env var MCP_TRANSPORT="pigeon" (must be http or stdio)');
      expect(problems).toContain('invalid env var LOG_CORPUS_MAX_FILE_BYTES="0"');
      expect(problems).toContain('invalid env var PRIVACY_MAX_TEXT_CHARS="lots"');
    }
  });
});
