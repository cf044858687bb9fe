/**
 * A map for what is under way — one entry per request — on an owner that lives much longer (a
 * connection, the process). Keys should be strings or numbers: see below.
 *
 * Why not a plain `Map`: V8 gives a Map a new hash table as entries come and go, and a table it
 * replaced keeps pointing at the keys and values it held until the next full GC. Once one of the
 * Map's tables has been promoted to the old generation, the tables that follow are reached from it,
 * so every value that passed through the Map survives each scavenge and is promoted with
 * everything it reaches: for an entry holding a request's callbacks, the whole request. Measured on
 * the gateway (ADR 0009): scavenges of 10–16 ms promoting 6–9 MB each, a full GC every few
 * seconds, and an added p99 above 50 ms. Here the Map holds a small box that `delete` and `take`
 * empty, so only the box (and the key) outlives the entry.
 */
export class InFlightMap<K extends string | number, V> {
  private readonly boxes = new Map<K, { value: V | undefined }>();

  get size(): number {
    return this.boxes.size;
  }

  has(key: K): boolean {
    return this.boxes.has(key);
  }

  get(key: K): V | undefined {
    return this.boxes.get(key)?.value;
  }

  set(key: K, value: V): this {
    const box = this.boxes.get(key);
    if (box) box.value = value;
    else this.boxes.set(key, { value });
    return this;
  }

  /** Removes the entry and returns its value (undefined when there was none). */
  take(key: K): V | undefined {
    const box = this.boxes.get(key);
    if (!box) return undefined;
    this.boxes.delete(key);
    const { value } = box;
    box.value = undefined;
    return value;
  }

  delete(key: K): boolean {
    const box = this.boxes.get(key);
    if (!box) return false;
    this.boxes.delete(key);
    box.value = undefined;
    return true;
  }

  /** The values now, as a copy: callers may remove entries while they go through it. */
  values(): V[] {
    const values: V[] = [];
    for (const box of this.boxes.values()) values.push(box.value as V);
    return values;
  }

  clear(): void {
    for (const box of this.boxes.values()) box.value = undefined;
    this.boxes.clear();
  }
}
