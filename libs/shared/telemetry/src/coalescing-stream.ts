import { Writable } from 'node:stream';

/** A batch is written at once when it reaches this many bytes (UTF-16 units, close enough). */
const MAX_BATCH_BYTES = 64 * 1024;

/**
 * Streams that have written, for the exit hook. A stream joins at its first held write and leaves
 * only when it ends (a logger's stream, in practice, lives as long as the process), not at every
 * flush: a long-lived Set that gains and loses an entry each time gets a new hash table each time,
 * and V8 keeps a replaced table linked to the next one until a full GC, so every table would be
 * promoted (ADR 0009).
 */
const open = new Set<CoalescingStream>();
let exitHookInstalled = false;
/** Set once the exit hook has run: lines logged after it (by a later `exit` listener) go at once. */
let exiting = false;

/**
 * Holds what is written for at most `intervalMs` and passes it to `sink` in one write, so a busy
 * service makes one write system call per interval instead of one per log line. Writes keep their
 * order; a batch of `MAX_BATCH_BYTES` goes at once, and whatever is held when the process exits
 * (`process.exit` included) is written then. The sink should write synchronously at exit, as
 * `process.stdout` does on Linux for files, pipes and terminals. What is lost when the process is
 * killed outright is at most one interval of lines.
 */
export class CoalescingStream extends Writable {
  private parts: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: NodeJS.WritableStream,
    private readonly intervalMs: number,
  ) {
    super({ decodeStrings: false });
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', () => {
        exiting = true;
        for (const stream of open) stream.flush();
      });
    }
  }

  /** Writes what is held now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.parts.length === 0) return;
    const text = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
    this.parts = [];
    this.bytes = 0;
    this.sink.write(text);
  }

  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.parts.push(text);
    this.bytes += text.length;
    if (this.bytes >= MAX_BATCH_BYTES || exiting) this.flush();
    else if (this.timer === undefined) {
      open.add(this);
      this.timer = setTimeout(() => this.flush(), this.intervalMs).unref();
    }
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flush();
    open.delete(this);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.flush();
    open.delete(this);
    callback(error);
  }
}
