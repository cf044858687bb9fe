import { describe, expect, it } from 'vitest';
import { resolveOtlpTracesUrl } from './otlp-endpoint.js';

describe('resolveOtlpTracesUrl', () => {
  it.each([
    ['http://collector:4318', 'http://collector:4318/v1/traces'],
    ['http://collector:4318/', 'http://collector:4318/v1/traces'],
    ['https://otel.example.com/base//', 'https://otel.example.com/base/v1/traces'],
    ['http://collector:4318/v1/traces', 'http://collector:4318/v1/traces'],
    [' http://127.0.0.1:4318 ', 'http://127.0.0.1:4318/v1/traces'],
  ])('maps %s to %s', (input, url) => {
    expect(resolveOtlpTracesUrl(input)).toEqual({ url });
  });

  it.each([[undefined], [''], ['   ']])('disables export quietly for %o', (input) => {
    expect(resolveOtlpTracesUrl(input)).toEqual({});
  });

  it.each([['collector:4318'], ['grpc://collector:4317'], ['::::']])('warns for %s', (input) => {
    const result = resolveOtlpTracesUrl(input);
    expect(result.url).toBeUndefined();
    expect(result).toHaveProperty('warning', expect.stringMatching(/trace export disabled/));
  });
});
