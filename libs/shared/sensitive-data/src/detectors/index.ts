import type { SensitiveKind } from '../kinds.js';
import type { Detector } from './detector.js';
import { emailDetector } from './email.detector.js';
import { creditCardDetector, ibanDetector } from './financial.detectors.js';
import { ipv4Detector, ipv6Detector } from './ip.detectors.js';
import { passwordDetector } from './password.detector.js';
import { phoneDetector } from './phone.detector.js';
import { privateKeyDetector } from './private-key.detector.js';
import {
  anthropicKeyDetector,
  awsAccessKeyIdDetector,
  awsSecretAccessKeyDetector,
  bearerTokenDetector,
  githubTokenDetector,
  jwtDetector,
  slackTokenDetector,
  slackWebhookDetector,
} from './token.detectors.js';

/** One detector per kind. */
export const DETECTORS: Readonly<Record<SensitiveKind, Detector>> = Object.freeze({
  private_key: privateKeyDetector,
  jwt: jwtDetector,
  aws_secret_access_key: awsSecretAccessKeyDetector,
  aws_access_key_id: awsAccessKeyIdDetector,
  github_token: githubTokenDetector,
  slack_webhook: slackWebhookDetector,
  slack_token: slackTokenDetector,
  anthropic_key: anthropicKeyDetector,
  bearer_token: bearerTokenDetector,
  password: passwordDetector,
  credit_card: creditCardDetector,
  iban: ibanDetector,
  email: emailDetector,
  ipv6: ipv6Detector,
  ipv4: ipv4Detector,
  phone: phoneDetector,
});

export type { Detector, Emit, Span } from './detector.js';
