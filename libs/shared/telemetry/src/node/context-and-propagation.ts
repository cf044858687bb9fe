import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';

/** W3C trace-context and baggage, what every app propagates (stateless, so shared). */
export const W3C_PROPAGATOR = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});

/** The active context follows async calls through `AsyncLocalStorage`. */
export function newContextManager(): AsyncLocalStorageContextManager {
  return new AsyncLocalStorageContextManager();
}
