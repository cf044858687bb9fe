import { describe, expect, it } from 'vitest';
import { TOOL_SCHEMAS_VERSION } from './index.js';
describe('x', () => { it('y', () => { expect(TOOL_SCHEMAS_VERSION).toBe('1'); }); });
