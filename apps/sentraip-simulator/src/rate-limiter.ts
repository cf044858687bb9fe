/** Outcome of one {@link RateLimiter.take}. */
export interface RateDecision {
  allowed: boolean;
  /** Whole requests left in the current bucket. */
  remaining: number;
  /** Seconds until the next request would be allowed (0 when allowed); `Retry-After`. */
  retryAfterSeconds: number;
}

const MAX_CLIENTS = 10_000;

/**
 * Per-client token buckets: `perHour` requests of burst, refilled continuously at
 * `perHour / 3600` per second, which is how "N per hour" limits usually behave at an API edge.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private perHour: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Changes the limit; every bucket starts full again. */
  reset(perHour: number): void {
    this.perHour = perHour;
    this.buckets.clear();
  }

  take(client: string): RateDecision {
    const now = this.now();
    const refillPerMs = this.perHour / 3_600_000;
    const previous = this.buckets.get(client) ?? { tokens: this.perHour, at: now };
    const tokens = Math.min(this.perHour, previous.tokens + (now - previous.at) * refillPerMs);
    if (!this.buckets.has(client) && this.buckets.size >= MAX_CLIENTS) this.buckets.clear();
    if (tokens >= 1) {
      this.buckets.set(client, { tokens: tokens - 1, at: now });
      return { allowed: true, remaining: Math.floor(tokens - 1), retryAfterSeconds: 0 };
    }
    this.buckets.set(client, { tokens, at: now });
    // Computed in seconds from the hourly rate: dividing by a per-ms rate adds float noise that
    // would round 1800 s up to 1801.
    const waitSeconds = ((1 - tokens) * 3600) / this.perHour;
    return {
      allowed: false,
      remaining: 0,
      retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds - 1e-9)),
    };
  }
}
