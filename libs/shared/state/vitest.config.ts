import { mergeConfig } from 'vitest/config';
import { projectVitestConfig } from '../../../vitest.shared.js';

// The two contract suites (memory, Redis) spend most of their time sleeping past TTLs that are
// wide enough for a loaded machine; run them side by side instead of one after the other (vitest
// uses one worker on 2 cores).
export default mergeConfig(projectVitestConfig(import.meta.dirname, 'state'), {
  test: { maxWorkers: 2 },
});
