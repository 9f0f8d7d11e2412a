import fs from "node:fs";
import { startupSnapshot } from "node:v8";

/**
 * Runs `work` once the current response is out and the client is busy reading it or writing the
 * next request: one-time costs a later request would otherwise pay. Never while the start-up
 * snapshot is built — what it prepares (OpenSSL's generator, libuv's threads, native addons,
 * node:http) must belong to the process, and some of it cannot be loaded at build time.
 */
export function whileIdle(work: () => void): void {
  if (startupSnapshot.isBuildingSnapshot()) return;
  setImmediate(work);
}

/**
 * After `initialize`: Web Crypto's random source (thread and turn ids are UUIDv7 from `uuid`,
 * which calls `crypto.getRandomValues`; the first call loads Node's webcrypto module and seeds
 * OpenSSL) and libuv's thread pool (started by the first asynchronous file operation), both of
 * which the first `thread/start` would otherwise pay for. Nothing here changes behaviour.
 */
export function primeWhileIdle(dir: string): void {
  whileIdle(() => {
    globalThis.crypto.getRandomValues(new Uint8Array(16));
    fs.stat(dir, () => {});
  });
}
