import { it } from 'vitest'; it.todo('gateway e2e');
