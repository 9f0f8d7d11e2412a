import type { IncomingMessage } from "node:http";
import http from "node:http";
import https from "node:https";
import { deferredCaSecureContext } from "../lib/extra-ca-certs.js";

/**
 * The model client's default transport: the part of `fetch()` it uses (POST, status, headers,
 * a streaming body, `text()`/`json()`, abort through `init.signal`) over `node:http(s)`. The first
 * `fetch()` in a process loads and compiles undici and its wasm HTTP parser (~70–100 ms on the
 * first turn); `node:http` is already part of Node's own start-up snapshot.
 *
 * Errors look like fetch's: a failed request rejects with `TypeError("fetch failed")` whose cause
 * is the socket error (so `cause.code` is e.g. `ECONNREFUSED`), an abort rejects with the signal's
 * reason, and the body stream errors with the socket error when the connection breaks.
 */
export const nodeHttpFetch = ((input: string | URL, init: RequestInit = {}): Promise<Response> => {
  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return reject(signal.reason);
    const target = new URL(String(input));
    const secure = target.protocol === "https:";
    const transport = secure ? https : http;
    // NODE_EXTRA_CA_CERTS deferred by bin/keel: the trust Node would have had (lib/extra-ca-certs.ts).
    const secureContext = secure ? deferredCaSecureContext((m) => process.emitWarning(m)) : undefined;
    let response: IncomingMessage | undefined;
    const onAbort = () => {
      request.destroy(signal?.reason);
      response?.destroy(signal?.reason);
      reject(signal?.reason);
    };
    const request = transport.request(
      target,
      {
        method: init.method ?? "GET",
        headers: headerRecord(init.headers),
        ...(secureContext ? { secureContext } : {}),
      },
      (res) => {
        response = res;
        res.once("close", () => signal?.removeEventListener("abort", onAbort));
        resolve(toResponse(res));
      },
    );
    request.on("error", (error) => {
      signal?.removeEventListener("abort", onAbort);
      if (signal?.aborted) reject(signal.reason);
      else reject(new TypeError("fetch failed", { cause: error }));
    });
    signal?.addEventListener("abort", onAbort, { once: true });
    request.end(typeof init.body === "string" ? init.body : undefined);
  });
}) as typeof fetch;

/** `init.headers` as a plain record (without touching the global `Headers`, which loads undici). */
function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  if (!headers) return {};
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  const entries = (headers as { entries?: unknown }).entries;
  if (typeof entries === "function") return Object.fromEntries(entries.call(headers));
  return { ...(headers as Record<string, string>) };
}

function toResponse(res: IncomingMessage): Response {
  const status = res.statusCode ?? 0;
  const chunks = res[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // Pulled one chunk at a time (no read-ahead), so an idle stream stays visibly idle.
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else
          controller.enqueue(new Uint8Array(next.value.buffer, next.value.byteOffset, next.value.byteLength));
      },
      cancel() {
        res.destroy();
      },
    },
    { highWaterMark: 0 },
  );
  const text = async () => {
    const parts: Buffer[] = [];
    const reader = body.getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read())
      parts.push(Buffer.from(next.value));
    return Buffer.concat(parts).toString("utf8");
  };
  const headers = {
    get(name: string): string | null {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : String(value);
    },
    has(name: string): boolean {
      return res.headers[name.toLowerCase()] !== undefined;
    },
  };
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? "",
    headers,
    body,
    text,
    json: async () => JSON.parse(await text()),
  } as unknown as Response;
}

/**
 * Loads what the first request needs — `node:http(s)` and Web Streams — ahead of it, so an
 * engine can do it while a new thread waits for its first prompt.
 */
export function prepareNodeTransport(): void {
  void http.globalAgent;
  void https.globalAgent;
  void ReadableStream;
}
