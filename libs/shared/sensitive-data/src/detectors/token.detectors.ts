import { firstGroup, patternDetector, type Detector } from './detector.js';

/*
 * Credential shapes with a fixed prefix. Each expression starts after a negative lookbehind on
 * its own token alphabet, so a long run of token characters is tried from one position only,
 * and every repetition is bounded: the work per start is a constant.
 */

/** JSON Web Tokens: base64url header starting `eyJ` (`{"`), payload and (possibly empty) signature. */
export const jwtDetector: Detector = patternDetector(
  'jwt',
  /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{2,65536}\.[A-Za-z0-9_-]{0,8192}/g,
);

/** AWS access key ids (`AKIA…`, `ASIA…` and the other documented unique-id prefixes). */
export const awsAccessKeyIdDetector: Detector = patternDetector(
  'aws_access_key_id',
  /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
);

/**
 * AWS secret access keys: 40 base64 characters, only in context (after a name such as
 * `aws_secret_access_key`, `AWS_SECRET_ACCESS_KEY` or `SecretAccessKey` and `=` or `:`),
 * because a bare 40-character string is indistinguishable from any other hash.
 */
export const awsSecretAccessKeyDetector: Detector = patternDetector(
  'aws_secret_access_key',
  /(?<![A-Za-z0-9])(?:aws[_.-]?secret[_.-]?access[_.-]?key|aws[_.-]?secret[_.-]?key|secret[_.-]?access[_.-]?key)\\?["']?[ \t]{0,4}[:=][ \t]{0,4}\\?["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/dgi,
  firstGroup,
);

/** GitHub tokens: classic `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` and fine-grained `github_pat_`. */
export const githubTokenDetector: Detector = patternDetector(
  'github_token',
  /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244})/g,
);

/** Slack tokens (`xoxb-`, `xoxp-`, `xoxa-`, `xoxo-`, `xoxs-`, `xoxr-`). */
export const slackTokenDetector: Detector = patternDetector(
  'slack_token',
  /(?<![A-Za-z0-9-])xox[abposr]-[A-Za-z0-9-]{10,250}/g,
);

/** Slack incoming webhooks and workflow triggers (the URL is the credential). */
export const slackWebhookDetector: Detector = patternDetector(
  'slack_webhook',
  /(?<![A-Za-z0-9])https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{8,300}/g,
);

/** Anthropic API and admin keys (`sk-ant-api03-…`, `sk-ant-admin01-…`). */
export const anthropicKeyDetector: Detector = patternDetector(
  'anthropic_key',
  /(?<![A-Za-z0-9_-])sk-ant-[A-Za-z0-9_-]{20,300}/g,
);

/**
 * The credential of an HTTP `Bearer` authorization (RFC 6750 b64token); the scheme word stays
 * readable. The scheme is case-insensitive (RFC 7235).
 */
export const bearerTokenDetector: Detector = patternDetector(
  'bearer_token',
  /(?<![A-Za-z0-9])bearer[ \t]{1,8}([A-Za-z0-9._~+/-]{8,4096}={0,2})/dgi,
  firstGroup,
);
