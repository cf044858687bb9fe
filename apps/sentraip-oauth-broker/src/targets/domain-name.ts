import { domainToASCII } from 'node:url';
import { isHostname, isIpAddress } from '@mcpgw/tool-schemas';

/** A parsed domain: the A-label (punycode) form, or the reason it is not a domain. */
export type DomainParse = { ok: true; domain: string } | { ok: false; problem: string };

const MAX_NAME = 253;
const MAX_LABEL = 63;
// Letters, digits and marks of any script, hyphens and dots: no scheme, port, path, space or '_'.
const ALLOWED = /^[\p{L}\p{N}\p{M}.-]+$/u;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * Validates a domain name and normalises it to lower-case A-labels (IDNA via the WHATWG URL
 * rules, so `MÜNCHEN.de` and `xn--mnchen-3ya.de` are one cache key), naming the first problem
 * found: empty or consecutive dots, a label over 63 characters, a name over 253, characters that
 * cannot appear in a host name, fewer than two labels, a numeric top-level label, or a label that
 * IDNA refuses. A trailing dot (the DNS root) is refused like the tool's input schema does.
 */
export function parseDomainName(raw: string): DomainParse {
  if ([...raw].length > MAX_NAME) return fail(`target is longer than ${MAX_NAME} characters`);
  if (isIpAddress(raw)) {
    return fail('target is an IP address; look it up with type "ip"');
  }
  if (!ALLOWED.test(raw)) {
    return fail('target must be a domain name: letters, digits, hyphens and dots only');
  }
  const labels = raw.split('.');
  const empty = labels.findIndex((label) => label === '');
  if (empty >= 0) return fail(`target has an empty label (label ${empty + 1}); check the dots`);
  const long = labels.findIndex((label) => [...label].length > MAX_LABEL);
  if (long >= 0) return fail(`target label ${long + 1} is longer than ${MAX_LABEL} characters`);
  if (labels.length < 2)
    return fail('target must be a fully qualified domain name (two labels or more)');
  if (!/^\p{L}/u.test(labels[labels.length - 1] ?? '')) {
    return fail('target top-level label must start with a letter');
  }

  const ascii = domainToASCII(raw.normalize('NFC'));
  if (ascii === '') return fail('target is not a valid internationalised domain name');
  const asciiLabels = ascii.split('.');
  const bad = asciiLabels.findIndex((label) => !LDH_LABEL.test(label));
  if (bad >= 0) {
    return fail(
      `target label ${bad + 1} is not a valid host name label (1-${MAX_LABEL} letters, digits or inner hyphens once encoded)`,
    );
  }
  if (ascii.length > MAX_NAME)
    return fail(`target is longer than ${MAX_NAME} characters once encoded`);
  if (!TLD.test(asciiLabels[asciiLabels.length - 1] ?? '')) {
    return fail('target top-level label must be two or more letters, or an internationalised name');
  }
  // The shared rule of the verdict contract has the last word, so every answer validates.
  if (!isHostname(ascii)) return fail('target is not a valid domain name');
  return { ok: true, domain: ascii };
}

function fail(problem: string): DomainParse {
  return { ok: false, problem };
}
