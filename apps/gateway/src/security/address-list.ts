import { BlockList, isIP } from 'node:net';

/** Verdicts one list remembers by default; past that the first remembered is forgotten first. */
export const MAX_REMEMBERED_VERDICTS = 4096;

/**
 * A map of at most `max` entries that forgets the first-inserted one to make room (0: keeps none).
 * Setting a key again moves it to the end, so it is forgotten last.
 */
export class BoundedMemo<V> {
  readonly #entries = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.max <= 0) return;
    this.#entries.delete(key);
    if (this.#entries.size >= this.max) {
      const first = this.#entries.keys().next().value;
      if (first !== undefined) this.#entries.delete(first);
    }
    this.#entries.set(key, value);
  }
}

export interface AddressListOptions {
  /** How many verdicts to remember (default {@link MAX_REMEMBERED_VERDICTS}; 0: none). */
  remember?: number;
}

/**
 * A fixed set of addresses and CIDR prefixes, asked about on every request (allow and deny lists,
 * trusted proxies, a client's source ranges). Node's `BlockList` answers, but `check` builds a
 * native `SocketAddress` on every call (about 2 % of a forwarded call's CPU in a profile), so the
 * list remembers its verdict per address string, first in, first out: a client that keeps calling
 * pays for one check. The entries never change after construction (new config, new lists), so a
 * remembered verdict never goes stale; an empty list answers without asking. IPv4-mapped IPv6
 * addresses match their IPv4 entries, as `BlockList` decides.
 */
export class AddressList {
  readonly #list = new BlockList();
  readonly #empty: boolean;
  readonly #verdicts: BoundedMemo<boolean>;

  /** `entries`: addresses and `address/bits` prefixes, IPv4 or IPv6 (validated by the config loader). */
  constructor(entries: readonly string[], options: AddressListOptions = {}) {
    for (const entry of entries) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.#list.addAddress(address, family);
      else this.#list.addSubnet(address, Number(bits), family);
    }
    this.#empty = entries.length === 0;
    this.#verdicts = new BoundedMemo(options.remember ?? MAX_REMEMBERED_VERDICTS);
  }

  /** Whether `ip` is one of the addresses or inside one of the prefixes; never for a non-address. */
  has(ip: string): boolean {
    if (this.#empty) return false;
    const known = this.#verdicts.get(ip);
    if (known !== undefined) return known;
    const family = isIP(ip);
    const verdict = family !== 0 && this.#list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
    this.#verdicts.set(ip, verdict);
    return verdict;
  }
}
