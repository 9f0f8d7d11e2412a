import type http from "node:http";
import type { BlockReason, BlockSource } from "./decision.js";

/** How the proxy words a refusal (network-proxy.md §4, observed on Codex 0.169). */
const HEADER: Record<BlockReason, string> = {
  not_allowed: "blocked-by-allowlist",
  not_allowed_local: "blocked-by-allowlist",
  denied: "blocked-by-denylist",
  method_not_allowed: "blocked-by-method-policy",
  mitm_required: "blocked-by-mitm-required",
  mitm_hook_denied: "blocked-by-mitm-hook",
};

const MESSAGE: Record<BlockReason, string> = {
  not_allowed: "Domain not in allowlist.",
  not_allowed_local: "Sandbox policy blocks local/private network addresses.",
  denied: "Domain denied by the sandbox policy.",
  method_not_allowed: "Method not allowed in limited mode.",
  // Codex 0.169's wording, although it also answers this in `full` mode.
  mitm_required: "MITM required for limited HTTPS.",
  mitm_hook_denied: "HTTPS request denied by MITM hook policy.",
};

export function proxyErrorHeader(reason: BlockReason, source: BlockSource): string {
  return source === "decider" ? "blocked-by-policy" : HEADER[reason];
}

export function blockedMessage(reason: BlockReason): string {
  return MESSAGE[reason];
}

export interface BlockedBody {
  status: "blocked";
  host: string;
  reason: BlockReason;
  decision: "deny";
  source: BlockSource;
  protocol: "http";
  port: number;
  message: string;
}

export function blockedBody(
  host: string,
  port: number,
  reason: BlockReason,
  source: BlockSource,
): BlockedBody {
  return {
    status: "blocked",
    host,
    reason,
    decision: "deny",
    source,
    protocol: "http",
    port,
    message: MESSAGE[reason],
  };
}

/** The 403 an HTTP client gets (plain or intercepted HTTPS): the spec's header and JSON body. */
export function refuseHttp(
  res: http.ServerResponse,
  host: string,
  port: number,
  reason: BlockReason,
  source: BlockSource,
): void {
  const body = JSON.stringify(blockedBody(host, port, reason, source));
  res.writeHead(403, {
    "content-type": "application/json",
    "x-proxy-error": proxyErrorHeader(reason, source),
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.end(body);
}

/**
 * A plain-text refusal, as Codex answers inside an intercepted tunnel: hook denials (403 with
 * `x-proxy-error`) and requests whose host is not the tunnel's (400).
 */
export function refuseText(
  res: http.ServerResponse,
  status: number,
  text: string,
  proxyError?: string,
): void {
  res.writeHead(status, {
    "content-type": "text/plain",
    ...(proxyError ? { "x-proxy-error": proxyError } : {}),
    "content-length": Buffer.byteLength(text),
    connection: "close",
  });
  res.end(text);
}
