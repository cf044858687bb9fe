import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RISK_LEVELS } from '../risk-level.js';
import {
  BUILT_IN_TOOLS,
  validateToolInput,
  validateToolOutput,
  type BuiltInToolName,
} from './built-in-tools.js';

/**
 * The JSON Schema a client sees in `tools/list` and the joi schema the gateway enforces must give
 * the same verdict on every input. Ajv runs in strict mode, so a schema that compiles here uses
 * no unknown keyword, format or ambiguous type. Inputs are JSON values (what arrives on the wire),
 * valid-shaped and then mutated: a key deleted, a key added, a value replaced at any depth.
 */
const ajv = new Ajv2020({ strict: true, allErrors: true });
const RUNS = 400;

// optional keys are absent, never undefined (fast-check omits them), but the record types say `?`
type Json = null | boolean | number | string | Json[] | { [key: string]: Json | undefined };
type Path = Array<string | number>;
type Container = Json[] | { [key: string]: Json | undefined };

const isContainer = (value: Json | undefined): value is Container =>
  typeof value === 'object' && value !== null;
const child = (node: Container, key: string | number): Json | undefined =>
  Array.isArray(node) ? node[key as number] : node[key];
const at = (value: Json, path: Path): Json | undefined =>
  path.reduce<Json | undefined>(
    (node, key) => (isContainer(node) ? child(node, key) : undefined),
    value,
  );

/** Every path to a value inside `value` (the root included). */
function paths(value: Json | undefined, prefix: Path = []): Path[] {
  const out = [prefix];
  if (isContainer(value))
    for (const [k, v] of Object.entries(value))
      out.push(...paths(v, [...prefix, Array.isArray(value) ? Number(k) : k]));
  return out;
}

/** A deep copy of `value` with `change` applied to the parent of `path`. */
function update(
  value: Json,
  path: Path,
  change: (parent: Container, key: string | number) => void,
): Json {
  const copy = structuredClone(value);
  const parent = at(copy, path.slice(0, -1));
  const key = path[path.length - 1];
  if (isContainer(parent) && key !== undefined) change(parent, key);
  return copy;
}

const json = fc.jsonValue() as fc.Arbitrary<Json>;

/** A valid-shaped value, then (most of the time) one mutation somewhere inside it. */
function mutated(valid: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  return valid.chain((v) => {
    const inner = paths(v).filter((p) => p.length > 0);
    const objects = paths(v).filter((p) => {
      const node = at(v, p);
      return isContainer(node) && !Array.isArray(node);
    });
    const options: Array<fc.Arbitrary<Json>> = [fc.constant(v)];
    if (inner.length > 0) {
      const replaced = fc.tuple(fc.constantFrom(...inner), json).map(([p, replacement]) =>
        update(v, p, (parent, key) => {
          // defineProperty, not assignment: a "__proto__" key must stay an own key, as JSON.parse makes it
          Object.defineProperty(parent, key, {
            value: replacement,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }),
      );
      const deleted = fc.constantFrom(...inner).map((p) =>
        update(v, p, (parent, key) => {
          if (Array.isArray(parent)) parent.splice(key as number, 1);
          else delete parent[key];
        }),
      );
      options.push(replaced, deleted);
    }
    if (objects.length > 0) {
      const added = fc
        .tuple(fc.constantFrom(...objects), fc.string({ minLength: 1, maxLength: 8 }), json)
        .map(([p, key, extra]) =>
          update(v, [...p, key], (parent, k) => {
            if (!Array.isArray(parent)) {
              Object.defineProperty(parent, k, {
                value: extra,
                enumerable: true,
                writable: true,
                configurable: true,
              });
            }
          }),
        );
      options.push(added);
    }
    return fc.oneof(...options);
  });
}

const iso = fc
  .date({
    min: new Date('1990-01-01T00:00:00Z'),
    max: new Date('2100-01-01T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString());
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 600 }),
);
const idnDomain = fc
  .tuple(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
    fc.constantFrom('de', 'com', 'xn--p1ai', 'テスト'),
  )
  .map(([label, tld]) => `${label}.${tld}`);

/** Mostly well-formed records (so both verdicts are frequent), plus loose ones with keys left out. */
function records(
  model: Record<string, fc.Arbitrary<Json>>,
  loose: Record<string, fc.Arbitrary<Json>>,
): fc.Arbitrary<Json> {
  return fc.oneof(
    { arbitrary: fc.record(model), weight: 3 },
    { arbitrary: fc.record(loose, { requiredKeys: [] }), weight: 1 },
  );
}

const inputs: Record<BuiltInToolName, fc.Arbitrary<Json>> = {
  sentraip_threat_check: fc.oneof(
    fc.record({
      target: fc.oneof(fc.ipV4(), fc.ipV6(), fc.ipV4Extended()),
      type: fc.constant('ip'),
    }),
    fc.record({ target: fc.oneof(fc.domain(), idnDomain), type: fc.constant('domain') }),
    fc.record(
      {
        target: fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain(), idnDomain, anyString),
        type: fc.oneof(fc.constantFrom('ip', 'domain'), fc.string({ maxLength: 6 })),
      },
      { requiredKeys: [] },
    ),
  ),
  tyk_api_analytics: records(
    {
      api_id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,130}$/),
      time_range: fc.constantFrom('24h', '7d', '30d'),
    },
    { api_id: anyString, time_range: fc.string({ maxLength: 4 }) },
  ),
  claude_context_search: records(
    {
      query: fc.oneof(
        anyString,
        fc.constantFrom(
          ' ',
          '\t\n',
          '😀'.repeat(500),
          '😀'.repeat(501),
          'x'.repeat(500),
          'x'.repeat(501),
        ),
      ),
      limit: fc.integer({ min: -3, max: 60 }),
    },
    {
      query: anyString,
      limit: fc.double({ noNaN: true, noDefaultInfinity: true, min: -100, max: 100 }),
    },
  ),
};

const score = fc.oneof(fc.double({ min: 0, max: 10, noNaN: true }), fc.constant(null));
const tags = fc.array(fc.string({ minLength: 1, maxLength: 70 }), { maxLength: 4 });
const outputs: Record<BuiltInToolName, fc.Arbitrary<Json>> = {
  sentraip_threat_check: fc.record(
    {
      target: fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()),
      type: fc.constantFrom('ip', 'domain'),
      threat_score: score,
      risk_level: fc.constantFrom(...RISK_LEVELS),
      categories: tags,
      first_seen: iso,
      last_seen: iso,
      last_updated: fc.oneof(iso, fc.constant(null)),
      country: fc.stringMatching(/^[A-Z]{2}$/),
      asn: fc.integer({ min: 0, max: 4_294_967_295 }).map((n) => `AS${n}`),
      is_tor: fc.boolean(),
      is_proxy: fc.boolean(),
      sources: tags,
      cached: fc.boolean(),
      stale: fc.boolean(),
      degraded: fc.boolean(),
    },
    {
      requiredKeys: [
        'target',
        'type',
        'threat_score',
        'risk_level',
        'categories',
        'last_updated',
        'sources',
        'cached',
        'stale',
        'degraded',
      ],
    },
  ),
  tyk_api_analytics: fc.record({
    api_id: fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/),
    time_range: fc.constantFrom('24h', '7d', '30d'),
    total_requests: fc.nat(),
    successful_requests: fc.nat(),
    error_requests: fc.nat(),
    error_rate: fc.double({ min: 0, max: 1, noNaN: true }),
    avg_response_time: fc.double({ min: 0, max: 1e6, noNaN: true }),
    latency: fc.record({ p50: fc.nat(), p95: fc.nat(), p99: fc.nat() }),
    top_endpoints: fc.array(
      fc.record({ path: fc.webPath().filter((p) => p.length > 0), requests: fc.nat() }),
      { maxLength: 3 },
    ),
    status_codes: fc.dictionary(fc.stringMatching(/^[1-5][0-9]{2}$/), fc.nat(), { maxKeys: 4 }),
    traffic: fc.array(fc.record({ t: iso, requests: fc.nat(), errors: fc.nat() }), {
      maxLength: 3,
    }),
    timestamp: iso,
  }),
  claude_context_search: fc.record({
    results: fc.array(
      fc.record({
        conversation_id: fc.uuid(),
        snippet: fc.string({ minLength: 1, maxLength: 50 }),
        score: fc.double({ min: 0, max: 1, noNaN: true }),
        timestamp: iso,
      }),
      { maxLength: 3 },
    ),
    count: fc.nat({ max: 5 }),
  }),
};

describe.each(BUILT_IN_TOOLS.map((t) => [t.name, t] as const))(
  '%s: JSON Schema and joi agree',
  (name, tool) => {
    const inputValidator = ajv.compile(tool.inputSchema);
    const outputValidator = ajv.compile(tool.outputSchema);

    it('on arbitrary and mutated inputs', () => {
      fc.assert(
        fc.property(fc.oneof(mutated(inputs[name]), json), (args) => {
          expect(validateToolInput(name, args).ok).toBe(inputValidator(args));
        }),
        { numRuns: RUNS },
      );
    });

    it('on arbitrary and mutated outputs', () => {
      fc.assert(
        fc.property(mutated(outputs[name]), (value) => {
          expect(validateToolOutput(name, value).ok).toBe(outputValidator(value));
        }),
        { numRuns: RUNS },
      );
    });

    it('and the generators reach both verdicts, often', () => {
      for (const [arbitrary, validate] of [
        [inputs[name], inputValidator],
        [outputs[name], outputValidator],
      ] as const) {
        const verdicts = fc
          .sample(mutated(arbitrary), { numRuns: 400, seed: 7 })
          .map((a) => validate(a));
        const accepted = verdicts.filter(Boolean).length;
        expect(accepted).toBeGreaterThan(40);
        expect(verdicts.length - accepted).toBeGreaterThan(40);
      }
    });
  },
);
