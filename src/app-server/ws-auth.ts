import { createHash, timingSafeEqual } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { errorMessage } from "../lib/errors.js";
import { verifyHs256 } from "../lib/jwt-hs256.js";

/**
 * Authentication of WebSocket upgrades, as Codex 0.169's app-server does it: the client sends
 * `Authorization: Bearer <token>` with the HTTP upgrade, and a missing or wrong token gets 401
 * before any JSON-RPC is spoken. Two modes: a capability token (compared by SHA-256 digest) or
 * an HS256 JWT signed with a shared secret (exp / nbf / iss / aud checked with clock skew).
 */

/** The `--ws-*` flags as given on the command line. */
export interface WsAuthFlags {
  readonly wsAuth?: string;
  readonly wsTokenFile?: string;
  readonly wsTokenSha256?: string;
  readonly wsSharedSecretFile?: string;
  readonly wsIssuer?: string;
  readonly wsAudience?: string;
  readonly wsMaxClockSkewSeconds?: string;
}

export type WsAuthPolicy =
  | { readonly kind: "capability-token"; readonly tokenSha256: Buffer }
  | {
      readonly kind: "signed-bearer-token";
      readonly secret: Buffer;
      readonly issuer: string | undefined;
      readonly audience: string | undefined;
      readonly maxClockSkewSeconds: number;
    };

const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 30;
/** HS256 with a short secret can be brute-forced offline from one captured token. */
const MIN_SHARED_SECRET_BYTES = 32;

/** Validates the flags and reads the secret files. Throws an Error with a precise message. */
export function resolveWsAuth(flags: WsAuthFlags, cwd: string): WsAuthPolicy | null {
  const signedOnly =
    flags.wsSharedSecretFile !== undefined ||
    flags.wsIssuer !== undefined ||
    flags.wsAudience !== undefined ||
    flags.wsMaxClockSkewSeconds !== undefined;
  const tokenFlags = flags.wsTokenFile !== undefined || flags.wsTokenSha256 !== undefined;
  switch (flags.wsAuth) {
    case undefined:
      if (signedOnly || tokenFlags) {
        throw new Error(
          "websocket auth flags require `--ws-auth capability-token` or `--ws-auth signed-bearer-token`",
        );
      }
      return null;
    case "capability-token":
      if (signedOnly) {
        throw new Error(
          "`--ws-shared-secret-file`, `--ws-issuer`, `--ws-audience`, and `--ws-max-clock-skew-seconds` require `--ws-auth signed-bearer-token`",
        );
      }
      return { kind: "capability-token", tokenSha256: capabilityDigest(flags, cwd) };
    case "signed-bearer-token": {
      if (tokenFlags) {
        throw new Error(
          "`--ws-token-file` and `--ws-token-sha256` require `--ws-auth capability-token`, not `signed-bearer-token`",
        );
      }
      if (flags.wsSharedSecretFile === undefined) {
        throw new Error("`--ws-shared-secret-file` is required when `--ws-auth signed-bearer-token` is set");
      }
      const file = path.resolve(cwd, flags.wsSharedSecretFile);
      const secret = Buffer.from(readTrimmedSecret(file), "utf8");
      if (secret.length < MIN_SHARED_SECRET_BYTES) {
        throw new Error(
          `signed websocket bearer secret ${file} must be at least ${MIN_SHARED_SECRET_BYTES} bytes`,
        );
      }
      return {
        kind: "signed-bearer-token",
        secret,
        issuer: nonBlank(flags.wsIssuer),
        audience: nonBlank(flags.wsAudience),
        maxClockSkewSeconds: parseSkew(flags.wsMaxClockSkewSeconds),
      };
    }
    default:
      throw new Error(
        `invalid value '${flags.wsAuth}' for '--ws-auth <MODE>': expected capability-token or signed-bearer-token`,
      );
  }
}

function capabilityDigest(flags: WsAuthFlags, cwd: string): Buffer {
  if (flags.wsTokenFile !== undefined && flags.wsTokenSha256 !== undefined) {
    throw new Error("`--ws-token-file` and `--ws-token-sha256` are mutually exclusive");
  }
  if (flags.wsTokenSha256 !== undefined) {
    const hex = flags.wsTokenSha256.trim();
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
      throw new Error("--ws-token-sha256 must be a 64-character hex SHA-256 digest");
    }
    return Buffer.from(hex, "hex");
  }
  if (flags.wsTokenFile === undefined) {
    throw new Error(
      "`--ws-token-file` or `--ws-token-sha256` is required when `--ws-auth capability-token` is set",
    );
  }
  return sha256(readTrimmedSecret(path.resolve(cwd, flags.wsTokenFile)));
}

/** Surrounding whitespace (a trailing newline from `echo`) is not part of the secret. */
function readTrimmedSecret(file: string): string {
  let raw: string;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`failed to read websocket auth secret ${file}: ${errorMessage(error)}`);
  }
  const trimmed = raw.trim();
  if (trimmed === "") throw new Error(`websocket auth secret ${file} must not be empty`);
  return trimmed;
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}

function parseSkew(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_CLOCK_SKEW_SECONDS;
  if (!/^\d{1,9}$/.test(value.trim())) {
    throw new Error(`--ws-max-clock-skew-seconds must be a whole number of seconds, got '${value}'`);
  }
  return Number(value.trim());
}

/** The SHA-256 digest capability tokens are compared by (never the token itself). */
export function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Checks the upgrade's `Authorization` header. Returns null when the client may connect, else
 * the reason sent with the 401 (Codex's wording).
 */
export function authorizeUpgrade(
  authorization: string | undefined,
  policy: WsAuthPolicy,
  nowSeconds: number,
): string | null {
  if (authorization === undefined) return "missing websocket bearer token";
  const token = bearerToken(authorization);
  if (token === null) return "invalid authorization header";
  if (policy.kind === "capability-token") {
    return timingSafeEqual(sha256(token), policy.tokenSha256) ? null : "invalid websocket bearer token";
  }
  const claims = verifyHs256(token, policy.secret);
  if (claims === null) return "invalid websocket jwt";
  return checkClaims(claims, policy, nowSeconds);
}

function bearerToken(header: string): string | null {
  // Visible ASCII and tabs only, like an HTTP header value that is valid text.
  if (!/^[\t\x20-\x7e]*$/.test(header)) return null;
  const space = header.indexOf(" ");
  if (space === -1 || header.slice(0, space).toLowerCase() !== "bearer") return null;
  const token = header.slice(space + 1).trim();
  return token === "" ? null : token;
}

function checkClaims(
  claims: Record<string, unknown>,
  policy: Extract<WsAuthPolicy, { kind: "signed-bearer-token" }>,
  now: number,
): string | null {
  const { exp, nbf, iss, aud } = claims;
  // `exp` is required; every claim must have its registered type (as Codex's decoder demands).
  const badAud =
    aud !== undefined &&
    aud !== null &&
    typeof aud !== "string" &&
    !(Array.isArray(aud) && aud.every((a) => typeof a === "string"));
  if (
    !Number.isSafeInteger(exp) ||
    (nbf !== undefined && nbf !== null && !Number.isSafeInteger(nbf)) ||
    (iss !== undefined && iss !== null && typeof iss !== "string") ||
    badAud
  ) {
    return "invalid websocket jwt";
  }
  const skew = policy.maxClockSkewSeconds;
  if (now > (exp as number) + skew) return "expired websocket jwt";
  if (typeof nbf === "number" && now < nbf - skew) return "websocket jwt is not valid yet";
  if (policy.issuer !== undefined && iss !== policy.issuer) return "websocket jwt issuer mismatch";
  if (policy.audience !== undefined) {
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(policy.audience)) return "websocket jwt audience mismatch";
  }
  return null;
}
