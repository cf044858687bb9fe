/**
 * When Claude cannot answer — no API key, overloaded after the SDK's retries, a spend limit, an
 * open breaker — the offline planner answers from the gateway's tools, marked `degraded: true`.
 * Retries are the SDK's own: a 529 is retried, a spend limit never.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runChatCli } from '../src/cli/chat-cli.js';
import { metricValue, postChat, startChat, withKey, type ChatHarness } from './support/chat-harness.js';
import { startFakeAnthropic, type FakeAnthropic, type FakeStep } from './support/fake-anthropic.js';
import { startSystem, type TestSystem } from './support/system.js';

const overloaded: FakeStep = { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'retry-after-ms': '20' } };
const claudeEnv = (fake: FakeAnthropic) => ({ CLAUDE_API_KEY: 'sk-ant-test-0123456789', ANTHROPIC_BASE_URL: fake.url });

let fake: FakeAnthropic;
let system: TestSystem;
let chat: ChatHarness;
let offline: ChatHarness;
let userKey: string;

beforeAll(async () => {
  fake = await startFakeAnthropic();
  system = await startSystem({ threatIntel: true });
  chat = await startChat({ system, env: claudeEnv(fake) });
  offline = await startChat({ system });
  userKey = await system.createUserKey('dana');
});

afterAll(async () => {
  await offline?.close();
  await chat?.close();
  await system?.close();
  await fake?.close();
});

beforeEach(() => fake.reset());

describe('Claude failures', () => {
  it('retries a 529 once and answers normally when the retry succeeds', async () => {
    fake.enqueue(overloaded, { kind: 'message', content: [{ type: 'text', text: 'All good.' }] });
    const { status, body } = await postChat(chat.url, { message: 'hello' }, withKey(userKey));
    expect(status).toBe(200);
    expect(body).toMatchObject({ response: 'All good.', degraded: false });
    expect(fake.requests.map((r) => r.headers['x-stainless-retry-count'])).toEqual(['0', '1']);
  });

  it('does retry an ordinary rate limit (the contrast to the spend limit)', async () => {
    fake.enqueue({ kind: 'error', status: 429, type: 'rate_limit_error', headers: { 'retry-after-ms': '20' } }, { kind: 'message', content: [{ type: 'text', text: 'fine' }] });
    const { body } = await postChat(chat.url, { message: 'hello again' }, withKey(userKey));
    expect(body).toMatchObject({ response: 'fine', degraded: false });
    expect(fake.requests).toHaveLength(2);
  });

  it('answers offline, degraded, naming the risk from the simulator, when Claude stays overloaded', async () => {
    fake.setScript(() => overloaded);
    const { status, body } = await postChat(chat.url, { message: 'Check the threat level for IP 203.0.113.1' }, withKey(userKey));
    expect(status).toBe(200);
    expect(body['degraded']).toBe(true);
    expect(body['context']).toMatchObject({ model: null, stop_reason: 'offline', degraded_reason: 'overloaded' });
    // The first attempt and the SDK's two retries.
    expect(fake.requests).toHaveLength(3);
    expect(body['response']).toMatch(/Claude is overloaded/);
    expect(body['response']).toMatch(/203\.0\.113\.1 \(ip\): risk CRITICAL, threat score 9\/10/);
    expect(body['tools_called']).toEqual([expect.objectContaining({ id: 'offline_1', name: 'sentraip_threat_check', is_error: false })]);
    expect(await metricValue(chat.registry, 'chat_degraded_answers_total', { reason: 'overloaded' })).toBeGreaterThanOrEqual(1);
  });

  it('never retries a spend-limit error, and answers offline', async () => {
    fake.enqueue({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'spend limit reached', errorCode: 'enforced_spend_limit_reached' });
    const { status, body } = await postChat(chat.url, { message: 'Is phish.example dangerous?' }, withKey(userKey));
    expect(status).toBe(200);
    expect(fake.requests).toHaveLength(1);
    expect(body).toMatchObject({ degraded: true, context: { degraded_reason: 'spend_limit' } });
    expect(body['response']).toMatch(/spend limit/);
    expect(body['response']).toMatch(/phish\.example \(domain\): risk CRITICAL, threat score 10\/10 — phishing, credential-theft/);
  });

  it('stops calling Claude once the breaker opens, and answers offline at once', async () => {
    const breakerChat = await startChat({ system, env: { ...claudeEnv(fake), CLAUDE_MAX_RETRIES: '0' } });
    try {
      // Five failed calls in the breaker's window (its volume threshold), every one a failure.
      fake.setScript(() => overloaded);
      for (let i = 0; i < 5; i += 1) {
        const { body } = await postChat(breakerChat.url, { message: `attempt ${i}` }, withKey(userKey));
        expect(body).toMatchObject({ degraded: true, context: { degraded_reason: 'overloaded' } });
      }
      const seen = fake.requests.length;
      const { body } = await postChat(breakerChat.url, { message: 'Check 203.0.113.1' }, withKey(userKey));
      expect(body).toMatchObject({ degraded: true, context: { degraded_reason: 'breaker_open' } });
      expect(fake.requests).toHaveLength(seen);
      expect(breakerChat.core.model?.breakerState).toBe('open');
    } finally {
      await breakerChat.close();
    }
  });
});

describe('offline mode (no API key)', () => {
  it('answers "Check the threat level for IP 203.0.113.1" with the risk level from the simulator', async () => {
    const { status, body } = await postChat(offline.url, { message: 'Check the threat level for IP 203.0.113.1' }, withKey(userKey));
    expect(status).toBe(200);
    expect(body['degraded']).toBe(true);
    expect(body['context']).toMatchObject({ degraded_reason: 'no_api_key', model: null, turns: 0 });
    expect(body['response']).toMatch(/^Offline mode: no Claude API key is configured/);
    expect(body['response']).toMatch(/203\.0\.113\.1 \(ip\): risk CRITICAL, threat score 9\/10 — botnet, scanner, brute-force/);
    expect(body['tools_called']).toEqual([
      expect.objectContaining({ name: 'sentraip_threat_check', input: { target: '203.0.113.1', type: 'ip' }, is_error: false }),
    ]);
  });

  it('reports a tool it could not reach, and still answers the rest', async () => {
    // No collector runs behind tyk_api_analytics in this system.
    const { body } = await postChat(offline.url, { message: 'Is suspicious.example risky? Also analytics for API payments-api over 7d' }, withKey(userKey));
    expect(body['response']).toMatch(/suspicious\.example \(domain\): risk MEDIUM/);
    expect(body['response']).toMatch(/payments-api: could not be checked/);
    expect(body['tools_called']).toEqual([
      expect.objectContaining({ name: 'sentraip_threat_check', is_error: false }),
      expect.objectContaining({ name: 'tyk_api_analytics', input: { api_id: 'payments-api', time_range: '7d' }, is_error: true }),
    ]);
  });

  it('explains what it can do when the message names nothing to look up', async () => {
    const { body } = await postChat(offline.url, { message: 'good morning' }, withKey(userKey));
    expect(body['tools_called']).toEqual([]);
    expect(body['response']).toMatch(/found no IP address, domain or API id/);
  });

  it('works from the terminal chat, streaming the answer and showing the tool calls', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (c: Buffer) => (printed += c.toString('utf8')));
    const done = runChatCli({ chatUrl: offline.url, apiKey: userKey, input, output });
    input.end('Check the threat level for IP 203.0.113.1\n/exit\n');
    await done;
    expect(printed).toContain('→ sentraip_threat_check(target=203.0.113.1, type=ip)');
    expect(printed).toContain('✓ sentraip_threat_check');
    expect(printed).toMatch(/risk CRITICAL/);
    expect(printed).toContain('[degraded answer: no_api_key]');
    expect(printed).toContain('[tools: sentraip_threat_check]');
  });
});
