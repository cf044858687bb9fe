/**
 * Thrown when a shutdown signal arrived while the service was starting: the port is never opened,
 * and the coordinator that took the signal runs the hooks registered so far and exits.
 */
export class StartupInterrupted extends Error {
  readonly code = 'STARTUP_INTERRUPTED';

  constructor() {
    super('shutdown requested during start-up');
    this.name = 'StartupInterrupted';
  }
}
