import { type ViteUserConfig } from 'vitest/config';
/**
 * One vitest configuration for every project: tests resolve workspace libs from source
 * (the `@mcpgw/source` export condition), run in Node, and write a JSON report that
 * `npm test` sums into the closing `N passed, N failed` line.
 */
export declare function projectVitestConfig(projectDir: string, name: string): ViteUserConfig;
//# sourceMappingURL=vitest.shared.d.ts.map