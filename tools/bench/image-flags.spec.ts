import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gatewayImageNodeFlags, nodeFlagsOfCmd } from './image-flags.js';

describe('nodeFlagsOfCmd', () => {
  it('takes the arguments between node and the entry point of the last CMD', () => {
    const dockerfile = [
      'FROM node:24-slim',
      'HEALTHCHECK CMD ["node", "/app/healthcheck.mjs"]',
      'CMD ["node", "old.js"]',
      'CMD ["node", "--a=1", "--b", "apps/gateway/dist/main.js"]',
    ].join('\n');
    expect(nodeFlagsOfCmd(dockerfile)).toEqual(['--a=1', '--b']);
    expect(nodeFlagsOfCmd('CMD ["node", "main.js"]\n')).toEqual([]);
  });

  it('refuses a Dockerfile without an exec-form CMD that starts node', () => {
    expect(() => nodeFlagsOfCmd('FROM x\nCMD node main.js\n')).toThrow(/no exec-form CMD/);
    expect(() => nodeFlagsOfCmd('CMD ["bun", "main.js"]')).toThrow(/does not start node/);
    expect(() => nodeFlagsOfCmd('CMD ["node", 1]')).toThrow(/array of strings/);
  });

  it('reads the gateway image: the heap flags of ADR 0009', () => {
    const flags = gatewayImageNodeFlags(fileURLToPath(new URL('../..', import.meta.url)));
    expect(flags).toContain('--max-semi-space-size=16');
    expect(flags).toContain('--initial-old-space-size=128');
    expect(flags).toContain('--no-memory-reducer');
  });
});
