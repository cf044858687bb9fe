import { defineConfig } from 'vitest/config';

/**
 * The shape of vitest.shared.ts's projectVitestConfig, inline: this project is linted with the
 * root ESLint config, whose module-boundary rule refuses a relative import from outside it.
 */
export default defineConfig({
  root: import.meta.dirname,
  cacheDir: '../../node_modules/.vite/bench-tools',
  resolve: { conditions: ['@mcpgw/source', 'node', 'development|production'] },
  ssr: { resolve: { conditions: ['@mcpgw/source', 'node', 'development|production'] } },
  test: {
    name: 'bench-tools',
    environment: 'node',
    include: ['*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    pool: 'forks',
  },
});
