import fs from "node:fs";
import type http from "node:http";
import path from "node:path";

/**
 * Serves the built page (`dist/web/`) read-only. Only files under the root are reachable: the
 * decoded path may not contain `.`/`..` segments, backslashes, NULs or dot-files, and the file's
 * real path (symlinks resolved) must stay under the root's. A path without an extension that
 * names no file gets index.html (the page routes on the client); a missing asset is 404.
 */

const MIME_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".wasm": "application/wasm",
};

/** Headers every page response carries; `host` is the request's (already checked) Host. */
export function securityHeaders(host: string): Record<string, string> {
  return {
    "content-security-policy": [
      "default-src 'self'",
      `connect-src 'self' ws://${host}`,
      "img-src 'self' data:",
      "style-src 'self' 'unsafe-inline'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
  };
}

type Resolved = { readonly file: string } | { readonly status: 400 | 404 };

/** Maps a request path to a file under `root` (a real path), or the status to answer. */
export function resolveStaticPath(root: string, urlPath: string): Resolved {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  if (!decoded.startsWith("/") || decoded.includes("\\") || decoded.includes("\0")) return { status: 400 };
  const segments = decoded.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === "." || s === "..")) return { status: 400 };
  if (segments.some((s) => s.startsWith("."))) return { status: 404 };
  const index = path.join(root, "index.html");
  if (segments.length === 0) return { file: index };
  const candidate = realFileUnder(root, path.join(root, ...segments));
  if (candidate !== null) return { file: candidate };
  const last = segments[segments.length - 1]!;
  return last.includes(".") ? { status: 404 } : { file: index };
}

function realFileUnder(root: string, file: string): string | null {
  try {
    const real = fs.realpathSync(file);
    if (!real.startsWith(root + path.sep) || !fs.statSync(real).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

/** Answers a GET or HEAD for the page; `root` must be a real path. */
export async function serveStatic(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  root: string,
  host: string,
): Promise<void> {
  const headers = securityHeaders(host);
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { ...headers, allow: "GET, HEAD", "content-type": "text/plain" });
    response.end("Method Not Allowed\n");
    return;
  }
  const urlPath = (request.url ?? "/").split(/[?#]/)[0]!;
  const resolved = resolveStaticPath(root, urlPath);
  if ("status" in resolved) {
    const text = resolved.status === 400 ? "Bad Request\n" : "Not Found\n";
    response.writeHead(resolved.status, { ...headers, "content-type": "text/plain" }).end(text);
    return;
  }
  let body: Buffer;
  try {
    body = await fs.promises.readFile(resolved.file);
  } catch {
    response.writeHead(404, { ...headers, "content-type": "text/plain" }).end("Not Found\n");
    return;
  }
  const type = MIME_TYPES[path.extname(resolved.file).toLowerCase()] ?? "application/octet-stream";
  // Vite puts content-hashed files under assets/: they never change. index.html always may.
  const hashed = resolved.file.startsWith(path.join(root, "assets") + path.sep);
  response.writeHead(200, {
    ...headers,
    "content-type": type,
    "content-length": body.length,
    "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
  });
  response.end(request.method === "HEAD" ? undefined : body);
}
