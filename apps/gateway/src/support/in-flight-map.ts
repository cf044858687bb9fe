/** Removed keys a map keeps before it is rebuilt: at most max(63, live) are kept at any time. */
const REBUILD_AFTER_DEAD_KEYS = 64;
/** Longer string keys (a client's request id can be megabytes) are deleted at once, not kept. */
const MAX_KEPT_KEY_LENGTH = 256;

/**
 * A map for what is under way — one entry per request — on an owner that lives much longer (a
 * connection, the process). Keys should be strings or numbers: see below. Values are never
 * `undefined` (an empty box marks a removed entry).
 *
 * Why not a plain `Map`: V8 gives a Map a new hash table as entries come and go, and a table it
 * replaced keeps pointing at the keys and values it held, and at the table that followed it, until
 * the next full GC. Once one of the Map's tables has been promoted to the old generation, the tables
 * that follow are reached from it, so every table, and every value that passed through the Map,
 * survives each scavenge and is promoted with everything it reaches: for an entry holding a
 * request's callbacks, the whole request. Measured on the gateway (ADR 0009): scavenges of 10–16 ms
 * promoting 6–9 MB each, a full GC every few seconds, and an added p99 above 50 ms.
 *
 * So nothing is deleted from the Map while it is in use. Removing an entry empties its box, which
 * lets go of the value at once; the key and its box stay until a few dozen have piled up, and then
 * the live entries move to a new Map and the old one is dropped whole. A Map that only grows
 * replaces its table only when it doubles. Deleting instead, a Map that goes from one entry to none
 * gets a new table every time (V8 shrinks it), and one holding a few gets one every few entries:
 * about one promoted table per call in the gateway (ADR 0009, seventh amendment).
 */
export class InFlightMap<K extends string | number, V extends NonNullable<unknown>> {
  private boxes = new Map<K, { value: V | undefined }>();
  private live = 0;

  get size(): number {
    return this.live;
  }

  has(key: K): boolean {
    return this.boxes.get(key)?.value !== undefined;
  }

  get(key: K): V | undefined {
    return this.boxes.get(key)?.value;
  }

  set(key: K, value: V): this {
    const box = this.boxes.get(key);
    if (!box) {
      this.boxes.set(key, { value });
      this.live += 1;
    } else {
      if (box.value === undefined) this.live += 1;
      box.value = value;
    }
    return this;
  }

  /** Removes the entry and returns its value (undefined when there was none). */
  take(key: K): V | undefined {
    const box = this.boxes.get(key);
    const value = box?.value;
    if (!box || value === undefined) return undefined;
    box.value = undefined;
    this.live -= 1;
    if (typeof key === 'string' && key.length > MAX_KEPT_KEY_LENGTH) {
      this.boxes.delete(key);
      return value;
    }
    const dead = this.boxes.size - this.live;
    if (dead >= REBUILD_AFTER_DEAD_KEYS && dead > this.live) this.rebuild();
    return value;
  }

  delete(key: K): boolean {
    return this.take(key) !== undefined;
  }

  /** Keys the Map holds, removed ones not yet dropped included (for tests). */
  get heldKeys(): number {
    return this.boxes.size;
  }

  /** The values now, as a copy: callers may remove entries while they go through it. */
  values(): V[] {
    const values: V[] = [];
    for (const box of this.boxes.values()) if (box.value !== undefined) values.push(box.value);
    return values;
  }

  clear(): void {
    for (const box of this.boxes.values()) box.value = undefined;
    this.boxes = new Map();
    this.live = 0;
  }

  private rebuild(): void {
    const next = new Map<K, { value: V | undefined }>();
    if (this.live > 0) for (const [key, box] of this.boxes) if (box.value !== undefined) next.set(key, box);
    this.boxes = next;
  }
}
