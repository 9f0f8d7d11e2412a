import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import tls from "node:tls";
import { type CaSigner, caSigner, createCa, firstCertificatePem } from "./certs.js";

/**
 * The proxy's interception CA, one per KEEL_HOME (network-proxy.md §3), generated on first use:
 * - `proxy/ca.key` (mode 0600, never replaced): the private key and the certificate;
 * - `proxy/ca-<sha256>.pem`: the certificate alone;
 * - `proxy/ca-bundle-<sha256>.pem`: the system roots + the certificate, what commands trust.
 * Content-named files are written once and reused only when their content matches.
 */
export interface ManagedCa {
  signer: CaSigner;
  keyPath: string;
  certPath: string;
  bundlePath: string;
}

const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/ssl/cert.pem",
];
const MAX_SYSTEM_BUNDLE_BYTES = 8 * 1024 * 1024;

/** The distribution's root bundle; Node's own roots where there is none. */
function systemRoots(): string {
  for (const file of SYSTEM_BUNDLES) {
    try {
      const st = fs.statSync(file);
      if (st.isFile() && st.size <= MAX_SYSTEM_BUNDLE_BYTES) return fs.readFileSync(file, "utf8");
    } catch {
      // next candidate
    }
  }
  return tls.rootCertificates.join("\n");
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const withNewline = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);

/** Creates `file` with `contents` or fails if it exists (a hard link cannot replace a file). */
function createExclusive(file: string, contents: string, mode: number): boolean {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  fs.writeFileSync(tmp, contents, { mode, flag: "wx" });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Reuses a content-named file whose content matches; anything else there is refused. */
function writeOnce(file: string, contents: string): void {
  const st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (st === undefined && createExclusive(file, contents, 0o644)) return;
  const now = fs.lstatSync(file);
  if (!now.isFile() || fs.readFileSync(file, "utf8") !== contents)
    throw new Error(`${file} exists with other content; remove it so keel can write it again`);
}

function readKeyFile(keyPath: string): { certPem: string; keyPem: string } {
  const st = fs.lstatSync(keyPath);
  if (!st.isFile()) throw new Error(`${keyPath} must be a regular file (not a link or directory)`);
  if ((st.mode & 0o077) !== 0)
    throw new Error(
      `${keyPath} must not be readable by group or others (mode ${(st.mode & 0o777).toString(8)}; expected 600)`,
    );
  const text = fs.readFileSync(keyPath, "utf8");
  const certPem = firstCertificatePem(text);
  const keyStart = text.indexOf("-----BEGIN PRIVATE KEY-----");
  const keyEnd = text.indexOf("-----END PRIVATE KEY-----");
  if (certPem === null || keyStart < 0 || keyEnd < keyStart)
    throw new Error(`${keyPath} must hold a PKCS#8 private key and the CA certificate`);
  return { certPem, keyPem: `${text.slice(keyStart, keyEnd + 25)}\n` };
}

/** Loads the KEEL_HOME CA, creating it and its files when missing. Fails closed on odd files. */
export async function loadOrCreateManagedCa(keelHome: string): Promise<ManagedCa> {
  const dir = path.join(keelHome, "proxy");
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPath = path.join(dir, "ca.key");
  if (!fs.existsSync(keyPath)) {
    const fresh = await createCa("keel network proxy MITM CA");
    // A concurrent keel may have won the race: its CA is the one kept.
    createExclusive(keyPath, `${fresh.keyPem}${fresh.certPem}`, 0o600);
  }
  const pair = readKeyFile(keyPath);
  const signer = await caSigner(pair);
  const certPath = path.join(dir, `ca-${sha256(pair.certPem)}.pem`);
  writeOnce(certPath, pair.certPem);
  const bundle = `${withNewline(systemRoots())}${pair.certPem}`;
  const bundlePath = path.join(dir, `ca-bundle-${sha256(bundle)}.pem`);
  writeOnce(bundlePath, bundle);
  return { signer, keyPath, certPath, bundlePath };
}
