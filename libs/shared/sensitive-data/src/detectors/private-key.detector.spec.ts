import { describe, expect, it } from 'vitest';
import { detect } from '../detect.js';

const hits = (text: string) =>
  detect(text, { kinds: ['private_key'] }).map((f) => text.slice(f.start, f.end));

const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n';

describe('private_key', () => {
  it('finds whole PEM, OpenSSH, encrypted and PGP blocks', () => {
    for (const label of [
      'PRIVATE KEY',
      'RSA PRIVATE KEY',
      'OPENSSH PRIVATE KEY',
      'ENCRYPTED PRIVATE KEY',
    ]) {
      const block = `-----BEGIN ${label}-----\n${body}-----END ${label}-----`;
      expect(hits(`key:\n${block}\nnext`)).toEqual([block]);
    }
    const pgp = `-----BEGIN PGP PRIVATE KEY BLOCK-----\n${body}-----END PGP PRIVATE KEY BLOCK-----`;
    expect(hits(pgp)).toEqual([pgp]);
  });

  it('finds a block whose newlines are escaped inside JSON', () => {
    const block = `-----BEGIN PRIVATE KEY-----\\nMIIEvQ\\nAAAA\\n-----END PRIVATE KEY-----`;
    expect(hits(`{"key":"${block}"}`)).toEqual([block]);
  });

  it('redacts a truncated block through its base64 body', () => {
    const text = `-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQFaA2Hwf1duRSxKtLYX5CB04fSeQ6tF1aY/PuoAoGCCqGSM49\n"} trailing`;
    expect(hits(text)).toEqual([text.slice(0, text.indexOf('"'))]);
  });

  it('pairs two blocks separately and leaves the text between them', () => {
    const a = `-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----`;
    const b = `-----BEGIN RSA PRIVATE KEY-----\nBBBB\n-----END RSA PRIVATE KEY-----`;
    expect(hits(`${a}\nbetween\n${b}`)).toEqual([a, b]);
  });

  it('ignores public keys, certificates and a lone END marker', () => {
    expect(hits('-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----')).toEqual([]);
    expect(hits('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toEqual([]);
    expect(hits('-----END PRIVATE KEY-----')).toEqual([]);
  });
});
