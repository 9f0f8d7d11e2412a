import fs from "node:fs";
import { startupSnapshot } from "node:v8";

/**
 * One-time process costs that the first `thread/start` would otherwise pay, paid instead right
 * after the `initialize` response while the client is still reading it: Web Crypto's random
 * source (thread and turn ids are UUIDv7 from `uuid`, which calls `crypto.getRandomValues`; the
 * first call loads Node's webcrypto module and seeds OpenSSL) and libuv's thread pool (started by
 * the first asynchronous file operation). Nothing here depends on the request or changes
 * behaviour. The start-up snapshot cannot take this over: the seeded generator and the pool's
 * threads live outside the JavaScript heap.
 */
export function primeWhileIdle(dir: string): void {
  // The snapshot warm-up initializes a connection too; the primed state must be the process's own.
  if (startupSnapshot.isBuildingSnapshot()) return;
  setImmediate(() => {
    globalThis.crypto.getRandomValues(new Uint8Array(16));
    fs.stat(dir, () => {});
  });
}
