import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { authorizeUpgrade, sha256 } from "../ws-auth.js";

/**
 * Who may use a `keel web` listener. The page gets a capability token in the URL fragment and
 * offers it as the WebSocket subprotocol `keel-token.<TOKEN>` (browsers cannot set headers on a
 * WebSocket); programs may send `Authorization: Bearer <TOKEN>` as with `--ws-auth`. A browser
 * always sends `Origin`: it must be this server's own, so no other site can drive it.
 */
export interface WebAccess {
  readonly tokenSha256: Buffer;
  /** `http://HOST:PORT` values the page may be loaded from (set once the port is bound). */
  origins: readonly string[];
  /** `HOST:PORT` values of those origins, for the Host check (DNS rebinding). */
  hosts: readonly string[];
}

export const PAGE_PROTOCOL = "keel.v2";
const TOKEN_PROTOCOL_PREFIX = "keel-token.";

/** 32 random bytes, base64url: a URL-fragment and subprotocol-safe capability. */
export function generateWebToken(): string {
  return randomBytes(32).toString("base64url");
}

export function webAccess(token: string): WebAccess {
  return { tokenSha256: sha256(token), origins: [], hosts: [] };
}

/** The bound listener's own origins: its literal address, and `localhost` for a loopback one. */
export function bindOrigins(access: WebAccess, host: string, port: number): void {
  const literal = host.includes(":") ? `[${host}]` : host;
  const hosts = [`${literal}:${port}`, `localhost:${port}`];
  access.hosts = [...new Set(hosts)];
  access.origins = access.hosts.map((h) => `http://${h}`);
}

/** A request whose Host is not ours was reached through a name we do not own: refuse it. */
function hostAllowed(headers: IncomingHttpHeaders, access: WebAccess): boolean {
  return headers.host !== undefined && access.hosts.includes(headers.host.toLowerCase());
}

/** No Origin (a program) or our own, and reached through one of our own host names. */
export function fromOwnSite(headers: IncomingHttpHeaders, access: WebAccess): boolean {
  const origin = headers.origin;
  return (origin === undefined || access.origins.includes(origin)) && hostAllowed(headers, access);
}

export interface Refusal {
  readonly status: 401 | 403;
  readonly reason: string;
}

/** Checks an upgrade to a `keel web` listener; null when it may proceed. */
export function checkWebUpgrade(headers: IncomingHttpHeaders, access: WebAccess): Refusal | null {
  const origin = headers.origin;
  if (origin !== undefined && !access.origins.includes(origin)) {
    return { status: 403, reason: "origin not allowed" };
  }
  if (!hostAllowed(headers, access)) return { status: 403, reason: "host not allowed" };
  const offered = offeredProtocols(headers);
  const tokens = offered.filter((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (tokens.length > 0) {
    const matches = tokens.some((p) => digestEquals(p.slice(TOKEN_PROTOCOL_PREFIX.length), access));
    return matches ? null : { status: 401, reason: "invalid websocket token" };
  }
  if (origin !== undefined) {
    // A page always sends its token as a subprotocol; a bearer header from a browser context
    // would be odd, and refusing it keeps the browser path to one mechanism.
    return { status: 401, reason: "missing websocket token" };
  }
  const denied = authorizeUpgrade(
    headers.authorization,
    { kind: "capability-token", tokenSha256: access.tokenSha256 },
    0,
  );
  return denied === null ? null : { status: 401, reason: denied };
}

/**
 * The subprotocol the server answers with: `keel.v2` when offered (a browser fails the connection
 * when it offered protocols and none is selected). The token is never echoed back.
 */
export function selectProtocol(offered: Set<string>): string | false {
  return offered.has(PAGE_PROTOCOL) ? PAGE_PROTOCOL : false;
}

function offeredProtocols(headers: IncomingHttpHeaders): string[] {
  const raw = headers["sec-websocket-protocol"];
  if (raw === undefined) return [];
  return raw
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

function digestEquals(token: string, access: WebAccess): boolean {
  return timingSafeEqual(sha256(token), access.tokenSha256);
}
