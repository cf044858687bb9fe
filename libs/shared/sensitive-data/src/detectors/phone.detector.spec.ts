import { describe, expect, it } from 'vitest';
import { detect } from '../detect.js';

const hits = (text: string) =>
  detect(text, { kinds: ['phone'] }).map((f) => text.slice(f.start, f.end));

describe('phone', () => {
  it('finds North-American formats', () => {
    for (const n of [
      '(415) 555-0134',
      '415-555-0134',
      '415.555.0134',
      '415 555 0134',
      '1-800-555-0199',
      '(415)555-0134',
    ]) {
      expect(hits(`call ${n} today`)).toEqual([n]);
    }
  });

  it('finds international formats', () => {
    for (const n of [
      '+1 415 555 0133',
      '+44 20 7946 0958',
      '+49 30 901820',
      '+33 1 23 45 67 89',
      '+14155550134',
      '+44 (0)20 7946 0958',
      '+1-415-555-0134',
    ]) {
      expect(hits(`tel: ${n}.`)).toEqual([n]);
    }
  });

  it('stops an international number at 15 digits, at a group boundary', () => {
    expect(hits('+44 20 7946 0958 1234 5678')).toEqual(['+44 20 7946 0958']);
  });

  it('ignores plain long numbers, dates, times, IPs and versions', () => {
    const text = [
      '4155550134',
      '2026-11-20',
      '20.11.2026',
      '08:00:52.407',
      '192.168.100.200',
      '10.0.0.1',
      'v1.415.555.0134',
      'order 1234567890123',
      '+12345',
      '+1234567890123456789',
      'HTTP/1.1 200 1405',
      '415-555-01345',
      'id-415-555-0134',
    ].join(' | ');
    expect(hits(text)).toEqual([]);
  });
});
