import fs from "node:fs";
import tls from "node:tls";

/**
 * `NODE_EXTRA_CA_CERTS`, deferred. Node reads and parses that whole file before any JavaScript
 * runs (about 75 ms for a system bundle of 150 certificates), yet keel needs the certificates only
 * for its own HTTPS requests to the model. So bin/keel hands the variable over as
 * `KEEL_DEFERRED_EXTRA_CA_CERTS`; `restoreDeferredExtraCaCerts` (first thing in `main`) puts it
 * back, so every command and child process sees the environment unchanged, and keel's HTTPS
 * requests use `deferredCaSecureContext()`: Node's bundled roots plus the file, loaded on first
 * use — what Node itself would have trusted.
 */

export const DEFERRED_EXTRA_CA_CERTS = "KEEL_DEFERRED_EXTRA_CA_CERTS";

let deferredFile: string | undefined;
let context: tls.SecureContext | undefined;

/** Moves the deferred variable back to `NODE_EXTRA_CA_CERTS` and remembers the file. */
export function restoreDeferredExtraCaCerts(env: NodeJS.ProcessEnv = process.env): void {
  const file = env[DEFERRED_EXTRA_CA_CERTS];
  if (file === undefined) return;
  delete env[DEFERRED_EXTRA_CA_CERTS];
  // Set again by the caller after the launcher ran: theirs is the one Node loaded, if any.
  if (env.NODE_EXTRA_CA_CERTS !== undefined) return;
  env.NODE_EXTRA_CA_CERTS = file;
  deferredFile = file;
  context = undefined;
}

/**
 * The TLS context for keel's HTTPS requests when the extra certificates were deferred, else
 * undefined (Node's default trust already includes them). An unreadable file is reported once
 * through `warn`, with Node's wording, and the bundled roots are used alone — as Node does.
 */
export function deferredCaSecureContext(warn: (message: string) => void): tls.SecureContext | undefined {
  if (deferredFile === undefined) return undefined;
  if (context === undefined) {
    const roots = [...tls.rootCertificates];
    const ignored = (error: unknown) =>
      warn(`Ignoring extra certs from \`${deferredFile}\`, load failed: ${(error as Error).message}`);
    try {
      context = tls.createSecureContext({ ca: [...roots, fs.readFileSync(deferredFile, "utf8")] });
    } catch (error) {
      ignored(error);
      context = tls.createSecureContext({ ca: roots });
    }
  }
  return context;
}
