import Joi from 'joi';
import { CONDITION_OPS, EVENT_FIELDS, type RulesFileSpec } from './rule-types.js';

const ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const id = () =>
  Joi.string()
    .pattern(ID)
    .messages({ 'string.pattern.base': '{{#label}} must be 1-64 of a-z, 0-9, ".", "_", "-"' });
const field = () => Joi.string().valid(...EVENT_FIELDS);
const scalar = () => Joi.alternatives().try(Joi.string().max(1024), Joi.number(), Joi.boolean());
const int = (min: number, max: number) => Joi.number().integer().min(min).max(max);

const conditionKeys = Joi.object({
  all: Joi.array().items(Joi.link('#condition')).min(1).max(100),
  any: Joi.array().items(Joi.link('#condition')).min(1).max(100),
  not: Joi.link('#condition'),
  field: field(),
  eq: scalar(),
  neq: scalar(),
  gt: Joi.number(),
  gte: Joi.number(),
  lt: Joi.number(),
  lte: Joi.number(),
  in: Joi.array().items(scalar()).min(1).max(10_000),
  regex: Joi.string().min(1).max(512),
  cidr: Joi.alternatives().try(
    Joi.string().max(64),
    Joi.array().items(Joi.string().max(64)).min(1).max(10_000),
  ),
  exists: Joi.boolean(),
})
  .xor('all', 'any', 'not', 'field')
  .oxor(...CONDITION_OPS)
  .when(Joi.object({ field: Joi.exist() }).unknown(), { then: Joi.object().or(...CONDITION_OPS) });
// Every operator needs a field; `all`/`any`/`not` take none.
const condition: Joi.ObjectSchema = CONDITION_OPS.reduce(
  (schema, op) => schema.with(op, 'field'),
  conditionKeys,
).id('condition');

const threshold = () =>
  Joi.object({ gt: Joi.number().min(0), gte: Joi.number().min(0) }).xor('gt', 'gte');

const delivery = (defaults: { timeout: number; concurrency: number }) => ({
  timeout_ms: int(10, 120_000).default(defaults.timeout),
  concurrency: int(1, 64).default(defaults.concurrency),
  queue: int(0, 100_000).default(1_000),
  retries: int(0, 20).default(5),
  backoff: Joi.object({
    base_ms: int(1, 60_000).default(200),
    max_ms: int(1, 600_000).default(10_000),
  }).default(),
  deadline_ms: int(100, 3_600_000).default(60_000),
  breaker: Joi.object({
    error_threshold_percentage: int(1, 100).default(50),
    volume_threshold: int(1, 10_000).default(5),
    reset_ms: int(100, 3_600_000).default(30_000),
  }).default(),
});

const webhook = Joi.object({
  id: id().required(),
  url: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .max(2048)
    .required(),
  // Never give `secret` a pattern rule: joi would quote the value in its message.
  secret: Joi.string().min(16).max(1024).required(),
  ...delivery({ timeout: 5_000, concurrency: 4 }),
});

const window = Joi.object({
  seconds: int(1, 86_400).required(),
  count: threshold(),
  rate: threshold().custom((value: { gt?: number; gte?: number }, helpers) =>
    (value.gt ?? value.gte ?? 0) > 1
      ? helpers.message({ custom: '{{#label}} must be a fraction between 0 and 1' })
      : value,
  ),
  of: condition,
  min_events: int(1, 1_000_000).default(1),
})
  .xor('count', 'rate')
  .without('count', 'of');

const rule = Joi.object({
  id: id().required(),
  description: Joi.string().max(512),
  priority: int(-1_000_000, 1_000_000).default(0),
  severity: Joi.string().valid('low', 'medium', 'high', 'critical').default('medium'),
  enabled: Joi.boolean().default(true),
  when: condition.required(),
  group_by: field().default('client_ip'),
  window,
  cooldown_seconds: int(1, 30 * 86_400).default(300),
  final: Joi.boolean().default(false),
  actions: Joi.object({
    block_ip: Joi.object({
      ttl_seconds: int(1, 30 * 86_400).required(),
      field: field().default('client_ip'),
    }),
    webhooks: Joi.array().items(id()).unique().max(20).default([]),
  }).default(),
});

/** joi schema of the rules file (`COLLECTOR_CONFIG`). */
export const rulesFileSchema: Joi.ObjectSchema<RulesFileSpec> = Joi.object<RulesFileSpec>({
  version: Joi.number().valid(1),
  rules: Joi.array().items(rule).max(1_000).default([]),
  webhooks: Joi.array().items(webhook).max(100).default([]),
  gateway: Joi.object(delivery({ timeout: 2_000, concurrency: 4 })).default(),
});
