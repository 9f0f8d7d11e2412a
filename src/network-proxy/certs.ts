import { webcrypto } from "node:crypto";
import net from "node:net";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/**
 * Certificates for HTTPS interception (network-proxy.md §3), made with @peculiar/x509 over
 * WebCrypto: ECDSA P-256 keys like Codex's. The library is loaded on first use: most sessions
 * never intercept, and nothing of it belongs in keel's start-up snapshot. Its DI container
 * (tsyringe) throws at load time unless a Reflect metadata polyfill is installed first, so
 * `reflect-metadata` is imported, and awaited, before the library.
 */
type X509 = typeof import("@peculiar/x509");
let loaded: Promise<X509> | null = null;
function x509(): Promise<X509> {
  loaded ??= import("reflect-metadata")
    .then(() => import("@peculiar/x509"))
    .then((ns) => {
      // keel's bundle loads the CommonJS build, whose exports then sit under `default`.
      const m = ns.cryptoProvider ? ns : (ns as unknown as { default: X509 }).default;
      m.cryptoProvider.set(webcrypto as unknown as Parameters<typeof m.cryptoProvider.set>[0]);
      return m;
    });
  return loaded;
}

const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGN = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM. */
export interface PemPair {
  certPem: string;
  keyPem: string;
}

function pem(label: string, der: ArrayBuffer | Uint8Array): string {
  const b64 = Buffer.from(der as Uint8Array).toString("base64");
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, "$&\n")}-----END ${label}-----\n`;
}

function pemBody(text: string, label: string): Buffer | null {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(text);
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ""), "base64") : null;
}

/** The first certificate block of a PEM text (normalised), or null. */
export function firstCertificatePem(text: string): string | null {
  const der = pemBody(text, "CERTIFICATE");
  return der ? pem("CERTIFICATE", der) : null;
}

/** PEM ending in a newline, so that PEM texts can be concatenated into chains and bundles. */
const pemText = (text: string) => (text.endsWith("\n") ? text : `${text}\n`);

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function keyPem(key: CryptoKey): Promise<string> {
  return pem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", key));
}

/** A self-signed CA that may sign server certificates. */
export async function createCa(commonName: string): Promise<PemPair> {
  const x = await x509();
  const keys = await newKeys();
  const now = Date.now();
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    keys,
    signingAlgorithm: SIGN,
    extensions: [
      new x.BasicConstraintsExtension(true, undefined, true),
      new x.KeyUsagesExtension(x.KeyUsageFlags.keyCertSign | x.KeyUsageFlags.digitalSignature, true),
      await x.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pemText(cert.toString("pem")), keyPem: await keyPem(keys.privateKey) };
}

/** A parsed CA that signs leaf certificates. */
export interface CaSigner {
  certPem: string;
  issue(host: string): Promise<PemPair>;
}

/** Loads a CA for signing; throws a plain message when the PEM is not a usable ECDSA P-256 CA. */
export async function caSigner(ca: PemPair): Promise<CaSigner> {
  const x = await x509();
  const der = pemBody(ca.keyPem, "PRIVATE KEY");
  if (!der) throw new Error("the CA key file holds no PKCS#8 private key");
  const signingKey = await webcrypto.subtle.importKey("pkcs8", der, EC, false, ["sign"]);
  const caCert = new x.X509Certificate(ca.certPem);
  // One key for every leaf of this signer: a key per host would only cost time.
  const leafKeys = await newKeys();
  const leafKeyPem = await keyPem(leafKeys.privateKey);
  return {
    certPem: ca.certPem,
    async issue(host) {
      const now = Date.now();
      const name =
        net.isIP(host) !== 0 ? { type: "ip" as const, value: host } : { type: "dns" as const, value: host };
      const cert = await x.X509CertificateGenerator.create({
        subject: `CN=${host}`,
        issuer: caCert.subject,
        notBefore: new Date(now - DAY_MS),
        notAfter: new Date(now + 365 * DAY_MS),
        publicKey: leafKeys.publicKey,
        signingKey,
        signingAlgorithm: SIGN,
        extensions: [
          new x.BasicConstraintsExtension(false, undefined, true),
          new x.KeyUsagesExtension(x.KeyUsageFlags.digitalSignature, true),
          new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth]),
          new x.SubjectAlternativeNameExtension([name]),
          await x.AuthorityKeyIdentifierExtension.create(caCert),
        ],
      });
      return { certPem: pemText(cert.toString("pem")), keyPem: leafKeyPem };
    },
  };
}
