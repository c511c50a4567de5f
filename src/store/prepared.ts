/**
 * Prepared statements kept across requests, keyed by the shape of a query (which filters, which order, which
 * reach) rather than its values. The shapes a client can produce are many but finite; the least recently used
 * ones are dropped so that the cache stays small.
 */
export class PreparedCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly capacity = 256) {}

  get(key: string, prepare: () => T): T {
    const found = this.entries.get(key);
    if (found !== undefined) {
      // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    const created = prepare();
    this.entries.set(key, created);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return created;
  }
}
