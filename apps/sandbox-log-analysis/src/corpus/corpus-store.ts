import { loadCorpus, type CorpusIndex, type CorpusLimits } from './load-corpus.js';

/** Holds the current corpus snapshot; reloads replace it whole, one at a time. */
export class CorpusStore {
  private index: CorpusIndex | undefined;
  private loading: Promise<CorpusIndex> | undefined;
  private lastError: unknown;

  constructor(
    readonly dir: string,
    private readonly limits: CorpusLimits,
  ) {}

  /** Loads the corpus (at start, and on request); concurrent callers share one load. */
  reload(): Promise<CorpusIndex> {
    this.loading ??= loadCorpus(this.dir, this.limits)
      .then(
        (index) => {
          this.index = index;
          this.lastError = undefined;
          return index;
        },
        (err: unknown) => {
          this.lastError = err;
          throw err;
        },
      )
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }

  /** The last loaded snapshot; undefined until a load succeeded. */
  current(): CorpusIndex | undefined {
    return this.index;
  }

  /** Why the last load failed, if it did. */
  failure(): unknown {
    return this.lastError;
  }
}
