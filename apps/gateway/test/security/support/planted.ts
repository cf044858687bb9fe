/**
 * Secrets and personal data planted in upstream results, each with the fingerprint that must never
 * reach a client (distinctive enough that a partial leak is caught too).
 */
export interface Planted {
  readonly kind: string;
  readonly text: string;
  readonly fingerprint: string;
}

const anthropicBody = 'q7Wm2Rt8Lp4Zx9Nc'.repeat(6).slice(0, 93);

export const SECRETS: readonly Planted[] = [
  { kind: 'aws_access_key_id', text: 'AKIAZ7Q3L5N2XK4WRT8P', fingerprint: 'Z7Q3L5N2XK4WRT8P' },
  {
    kind: 'aws_secret_access_key',
    text: 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq9w8e7d6c',
    fingerprint: 'wJalrXUtnFEMI/K7MDENG',
  },
  {
    kind: 'github_token',
    text: 'ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5',
    fingerprint: 'aB3dE5fG7hI9jK1lM3nO5',
  },
  {
    kind: 'slack_webhook',
    text: 'https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/AbCdEfGhIjKlMnOpQrStUvWx',
    fingerprint: 'T0A1B2C3D/B0A1B2C3D',
  },
  {
    kind: 'slack_token',
    text: 'xoxb-123456789012-1234567890123-ZyXwVuTsRqPoNmLkJiHgFeDc',
    fingerprint: 'ZyXwVuTsRqPoNmLkJiHgFeDc',
  },
  {
    kind: 'anthropic_key',
    text: `sk-ant-api03-${anthropicBody}AA`,
    fingerprint: anthropicBody.slice(0, 24),
  },
  { kind: 'password', text: 'password=Tr0ub4dor-3xyz', fingerprint: 'Tr0ub4dor-3xyz' },
  {
    kind: 'bearer_token',
    text: 'Authorization: Bearer 9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c',
    fingerprint: '9f8e7d6c5b4a3f2e1d0c',
  },
  {
    kind: 'jwt',
    text: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    fingerprint: 'dozjgNryP4J3jVmNHl0w5N',
  },
  {
    kind: 'private_key',
    text: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAq1w2e3r4t5y6u7i8o9p0ZXCVBNM\n-----END RSA PRIVATE KEY-----',
    fingerprint: 'MIIEowIBAAKCAQEAq1w2e3r4t5y6u7i8o9p0',
  },
  {
    kind: 'gateway_api_key',
    text: 'mcpgw_0123456789abcdef_Qw3rTy5uI7oP9aS1dF3gH5jK7lZ9xC1vB3nM5qW7eR9',
    fingerprint: 'Qw3rTy5uI7oP9aS1dF3gH5jK7lZ9xC1vB3nM5qW7eR9',
  },
];

export const PII: readonly Planted[] = [
  { kind: 'credit_card', text: '4111 1111 1111 1111', fingerprint: '4111 1111 1111 1111' },
  { kind: 'email', text: 'alice.liddell@example.com', fingerprint: 'alice.liddell@example.com' },
  { kind: 'iban', text: 'DE89370400440532013000', fingerprint: 'DE89370400440532013000' },
  { kind: 'phone', text: '+1 415 555 2671', fingerprint: '415 555 2671' },
  { kind: 'ipv4', text: '203.0.113.9', fingerprint: '203.0.113.9' },
];

/** Secrets recognised by their key rather than their shape (structured content). */
export const KEYED_SECRETS = {
  password: 'correct-horse-battery-staple',
  api_key: 'plain-looking-value-123',
} as const;

/** A sentence carrying every planted value. */
export const plantedSentence = (items: readonly Planted[]) =>
  items.map((p, i) => `(${i + 1}) found ${p.text} here`).join('\n');

/** The fingerprints found in `text` (expected: none). */
export const leaks = (text: string, items: readonly Planted[] = [...SECRETS, ...PII]) =>
  [...items.map((p) => p.fingerprint), ...Object.values(KEYED_SECRETS)].filter(
    (f) => text.includes(f) || text.includes(JSON.stringify(f).slice(1, -1)),
  );

/** About `bytes` of text made of near-misses of every detector (one character short, broken armour, …). */
export function nearMatchText(bytes: number): string {
  const near = [
    'AKIAZ7Q3L5N2XK4WRT8',
    'ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3x',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIx',
    '-----BEGIN RSA PRIVATE KEY--',
    'password',
    'password:',
    'secret=',
    '4111 1111 1111 111',
    'alice.liddell@',
    '@example',
    'DE8937040044053201300',
    '203.0.113.',
    '999.999.999.999',
    'xoxb-12345',
    'sk-ant-',
    'Bearer',
    'mcpgw_0123456789abcdef_',
    'https://hooks.slack.com/services/',
    '+1 415',
    '2001:db8:',
    'aws_secret_access_key =',
  ];
  const runs = [
    'a'.repeat(20_000),
    '1'.repeat(20_000),
    '.'.repeat(20_000),
    'A1'.repeat(10_000),
    'x@'.repeat(10_000),
  ];
  const parts: string[] = [...runs];
  let size = runs.reduce((n, r) => n + r.length, 0);
  for (let i = 0; size < bytes; i += 1) {
    const word = near[i % near.length] ?? '';
    parts.push(word);
    size += word.length + 1;
  }
  return parts.join(' ');
}

/** About `bytes` of ordinary prose, the baseline. */
export function plainText(bytes: number): string {
  const sentence =
    'The quick brown fox jumps over the lazy dog while the log rotates at midnight. ';
  return sentence.repeat(Math.ceil(bytes / sentence.length)).slice(0, bytes);
}
