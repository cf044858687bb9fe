import { describe, expect, it } from 'vitest';
import { detect } from '../detect.js';
import type { SensitiveKind } from '../kinds.js';

const hits = (text: string, kind: SensitiveKind) =>
  detect(text, { kinds: [kind] }).map((f) => text.slice(f.start, f.end));

// Fixtures are assembled at run time so that no literal credential shape sits in the repository.
const b64url = (n: number) => 'aB3_x-Z9'.repeat(Math.ceil(n / 8)).slice(0, n);
const jwt = `eyJ${b64url(33)}.eyJ${b64url(40)}.${b64url(43)}`;

describe('jwt', () => {
  it('finds signed and unsigned tokens, in headers and JSON', () => {
    expect(hits(`token=${jwt}&x=1`, 'jwt')).toEqual([jwt]);
    expect(hits(`{"id_token":"${jwt}"}`, 'jwt')).toEqual([jwt]);
    const unsigned = `eyJ${b64url(20)}.eyJ${b64url(20)}.`;
    expect(hits(`alg none: ${unsigned} end`, 'jwt')).toEqual([unsigned]);
  });

  it('ignores base64 that is not a JWT', () => {
    expect(hits(`eyJ${b64url(40)} no dots`, 'jwt')).toEqual([]);
    expect(hits(`xeyJ${b64url(20)}.${b64url(20)}.${b64url(20)}`, 'jwt')).toEqual([]); // inside a word
    expect(hits('eyJab.cd', 'jwt')).toEqual([]); // header too short, no second dot
  });
});

describe('aws', () => {
  const id = 'AKIA' + 'IOSFODNN7EXAMPLE';
  const secret = 'wJalrXUtnFEMI/K7MDENG/' + 'bPxRfiCYEXAMPLEKEY';

  it('finds access key ids with any documented prefix', () => {
    expect(hits(`key ${id} used`, 'aws_access_key_id')).toEqual([id]);
    expect(hits(`"AccessKeyId": "ASIA${'Q'.repeat(16)}"`, 'aws_access_key_id')).toEqual([
      `ASIA${'Q'.repeat(16)}`,
    ]);
  });

  it('ignores ids of the wrong length or inside words', () => {
    expect(hits(`AKIA${'A'.repeat(15)} short`, 'aws_access_key_id')).toEqual([]);
    expect(hits(`AKIA${'A'.repeat(17)} long`, 'aws_access_key_id')).toEqual([]);
    expect(hits(`XAKIA${'A'.repeat(16)}`, 'aws_access_key_id')).toEqual([]);
  });

  it('finds secret keys only next to their name, keeping the name', () => {
    expect(hits(`aws_secret_access_key = ${secret}`, 'aws_secret_access_key')).toEqual([secret]);
    expect(hits(`AWS_SECRET_ACCESS_KEY=${secret}`, 'aws_secret_access_key')).toEqual([secret]);
    expect(hits(`{"SecretAccessKey": "${secret}"}`, 'aws_secret_access_key')).toEqual([secret]);
  });

  it('ignores a bare 40-character string and wrong lengths', () => {
    expect(hits(`sha ${secret}`, 'aws_secret_access_key')).toEqual([]);
    expect(hits(`aws_secret_access_key=${secret}X`, 'aws_secret_access_key')).toEqual([]);
  });
});

describe('github, slack and anthropic tokens', () => {
  it('finds each GitHub token family', () => {
    for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) {
      const token = prefix + 'A1b2'.repeat(9);
      expect(hits(`Authorization: token ${token}`, 'github_token')).toEqual([token]);
    }
    const pat = 'github_pat_' + '11ABCDEFG0'.repeat(2) + 'ab_' + 'Xy9'.repeat(20);
    expect(hits(`GITHUB_TOKEN=${pat}`, 'github_token')).toEqual([pat]);
  });

  it('ignores GitHub-like words', () => {
    expect(hits('ghp_short and ghx_' + 'a'.repeat(36), 'github_token')).toEqual([]);
    expect(hits('myghp_' + 'a'.repeat(36), 'github_token')).toEqual([]);
  });

  it('finds Slack tokens and webhooks', () => {
    const bot = 'xoxb-' + '1234567890-' + 'AbCdEf'.repeat(4);
    expect(hits(`SLACK=${bot}`, 'slack_token')).toEqual([bot]);
    const hook = 'https://hooks.slack.com/services/' + 'T0000/B0000/' + 'x'.repeat(24);
    expect(hits(`post to ${hook} now`, 'slack_webhook')).toEqual([hook]);
    expect(hits('xoxz-1234567890 xoxb-short', 'slack_token')).toEqual([]);
    expect(hits('https://hooks.slack.com/about', 'slack_webhook')).toEqual([]);
  });

  it('finds Anthropic keys', () => {
    const key = 'sk-ant-api03-' + 'Ab_9-'.repeat(18);
    expect(hits(`ANTHROPIC_API_KEY=${key}`, 'anthropic_key')).toEqual([key]);
    expect(hits('sk-ant-short sk-live-' + 'a'.repeat(30), 'anthropic_key')).toEqual([]);
  });
});

describe('bearer tokens and secret assignments', () => {
  it('redacts the credential and keeps the scheme', () => {
    expect(hits('Authorization: Bearer abc.DEF-123_456~+/==', 'bearer_token')).toEqual([
      'abc.DEF-123_456~+/==',
    ]);
    expect(hits('authorization: bearer 0123456789', 'bearer_token')).toEqual(['0123456789']);
  });

  it('ignores prose and short values', () => {
    expect(hits('the bearer of this letter', 'bearer_token')).toEqual([]);
    expect(hits('Bearer short', 'bearer_token')).toEqual([]);
  });
});
