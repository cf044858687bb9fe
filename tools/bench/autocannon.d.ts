/** The part of autocannon 8's programmatic API the benchmark uses (the package ships no types). */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface AutocannonOptions {
    url: string;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Requests per second across all connections; 0 or absent: as fast as possible. */
    overallRate?: number;
    pipelining?: number;
    /** Seconds before a request counts as a timeout. */
    timeout?: number;
  }

  export interface AutocannonResult {
    errors: number;
    timeouts: number;
    non2xx: number;
    /** Seconds. */
    duration: number;
  }

  export interface AutocannonInstance extends EventEmitter {
    stop(): void;
  }

  function autocannon(
    options: AutocannonOptions,
    done: (err: Error | null, result: AutocannonResult) => void,
  ): AutocannonInstance;
  export default autocannon;
}
