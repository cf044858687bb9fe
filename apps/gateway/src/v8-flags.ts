/**
 * V8 flags the gateway sets for itself, before anything else is loaded (`main.ts` imports this
 * module first), so they hold however the process is started (`nx serve`, an image, a test).
 *
 * `--no-allocation-site-pretenuring`: under a burst of concurrent calls, V8 saw objects from some
 * per-call allocation sites survive scavenges and began allocating them straight into the old
 * generation. An old object that dies keeps everything it points to alive through every scavenge
 * until the next full GC, so from then on each call's request, response and handler were promoted:
 * scavenges of 10–16 ms instead of 3, and a full GC every few seconds (ADR 0009).
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
