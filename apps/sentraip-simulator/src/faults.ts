import Joi from 'joi';

/** How the token endpoint behaves: answers, fails with 500, or never answers. */
export const TOKEN_ENDPOINT_MODES = ['up', 'down', 'hang'] as const;
export type TokenEndpointMode = (typeof TOKEN_ENDPOINT_MODES)[number];

/** The simulator's fault knobs; set from the environment at start, changed by `POST /_sim/faults`. */
export interface FaultSettings {
  /** Added to every token and threat response. */
  latency_ms: number;
  /** Probability (0–1) that a threat lookup answers 500. */
  error_rate: number;
  token_endpoint: TokenEndpointMode;
  /** Every threat lookup answers 429 with `Retry-After`. */
  rate_limit_storm: boolean;
  /** Threat lookups allowed per client per hour (token bucket refilled continuously). */
  rate_limit_per_hour: number;
}

/** Body of `POST /_sim/faults`: any subset of the knobs; `reset: true` restores the start values first. */
export const faultPatchSchema = Joi.object({
  reset: Joi.boolean(),
  latency_ms: Joi.number().integer().min(0).max(60_000),
  error_rate: Joi.number().min(0).max(1),
  token_endpoint: Joi.string().valid(...TOKEN_ENDPOINT_MODES),
  rate_limit_storm: Joi.boolean(),
  rate_limit_per_hour: Joi.number().integer().min(1).max(100_000_000),
})
  .unknown(false)
  .prefs({ abortEarly: false, convert: false, errors: { wrap: { label: false } } });

/** Holds the live fault settings; `onRateLimitChange` lets the limiter drop its buckets. */
export class Faults {
  private current: FaultSettings;

  constructor(
    private readonly initial: Readonly<FaultSettings>,
    private readonly onRateLimitChange: (perHour: number) => void = () => undefined,
  ) {
    this.current = { ...initial };
  }

  get settings(): Readonly<FaultSettings> {
    return this.current;
  }

  /** Applies a validated patch and returns the resulting settings. */
  apply(patch: Partial<FaultSettings> & { reset?: boolean }): Readonly<FaultSettings> {
    const { reset, ...knobs } = patch;
    const before = this.current.rate_limit_per_hour;
    this.current = { ...(reset ? this.initial : this.current), ...knobs };
    if (this.current.rate_limit_per_hour !== before || reset) {
      this.onRateLimitChange(this.current.rate_limit_per_hour);
    }
    return this.current;
  }
}
