import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * A compact HS256 JWT (RFC 7519) checked against a shared secret. Only the signature and the
 * `alg` header are checked here; the caller judges the claims. Every failure is the same
 * `null`: a caller must not tell an attacker which part was wrong.
 */
export function verifyHs256(token: string, secret: Uint8Array): Record<string, unknown> | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  const headerJson = decodeJsonSegment(header);
  // `crit` names extensions the verifier must understand (RFC 7515 §4.1.11); keel knows none.
  if (headerJson === null || headerJson.alg !== "HS256" || "crit" in headerJson) return null;
  const given = decodeSegment(signature);
  if (given === null) return null;
  const expected = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  // timingSafeEqual needs equal lengths; the length of an HMAC is public anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return decodeJsonSegment(payload);
}

/** Signs claims as an HS256 JWT (for clients and tests of the verifier). */
export function signHs256(claims: Record<string, unknown>, secret: Uint8Array): string {
  const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${signature}`;
}

/**
 * Strict, canonical base64url without padding: Node's decoder would silently skip stray
 * characters, and accept other spare bits in a segment's last character, so one token could be
 * written several ways.
 */
function decodeSegment(segment: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]*$/.test(segment) || segment.length % 4 === 1) return null;
  const bytes = Buffer.from(segment, "base64url");
  return bytes.toString("base64url") === segment ? bytes : null;
}

function decodeJsonSegment(segment: string): Record<string, unknown> | null {
  const bytes = decodeSegment(segment);
  if (bytes === null) return null;
  try {
    const value: unknown = JSON.parse(bytes.toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
