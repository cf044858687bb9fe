/**
 * Busy polling after traffic (`GATEWAY_BUSY_POLL_US`, ADR 0010): for a window after each request,
 * the event loop polls its sockets with a zero timeout instead of sleeping in `epoll_wait`, so the
 * core does not go idle between a request, its upstream's answer and the next request.
 *
 * On a virtual machine whose idle vCPUs halt at once, every sleep hands the core back to the
 * hypervisor and every wake-up pays for a VM exit, an interrupt and cold caches; HAProxy's
 * `busy-polling` option and the guest kernel's haltpoll governor answer the same problem. Unlike
 * HAProxy's, this polling stops one window after the last request, so an idle gateway sleeps.
 *
 * The price: the core is busy for the window after every request (the process's CPU time counts
 * the polling), and each loop turn allocates one `Immediate`.
 */
export class BusyPoll {
  private readonly windowMs: number;
  private until = 0;
  private polling = false;

  /**
   * @param windowUs how long after the last {@link touch} the loop keeps polling, in µs; > 0
   * @param now a monotonic clock in ms (tests pass their own)
   */
  constructor(
    windowUs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(windowUs > 0)) throw new RangeError('busy-poll window must be positive');
    this.windowMs = windowUs / 1000;
  }

  /** Marks activity: the loop polls until one window from now. */
  touch(): void {
    this.until = this.now() + this.windowMs;
    if (!this.polling) {
      this.polling = true;
      setImmediate(this.turn);
    }
  }

  /** Whether the loop is being kept polling. */
  get active(): boolean {
    return this.polling;
  }

  /**
   * A pending immediate makes libuv poll with a zero timeout, so each turn is one non-blocking
   * poll. (An unref'd immediate would not: it stops forcing the zero timeout.)
   */
  private readonly turn = (): void => {
    if (this.now() < this.until) setImmediate(this.turn);
    else this.polling = false;
  };
}
