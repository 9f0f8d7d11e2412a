/**
 * The start-up prewarm (session.md §4 step 17). Codex opens its Responses websocket early; keel
 * speaks HTTP, so it sends one `GET {base_url}/models` — listing models is free, unlike any model
 * request — through the same keep-alive agent as the model requests. The first turn then finds
 * DNS resolved and the TCP (and TLS) connection open in the agent's pool, if it starts within the
 * pool's idle timeout. Any failure (no such route, refused, aborted) is ignored: the prewarm is
 * only a hint and must never fail a session.
 */
export async function prewarmConnection(
  doFetch: typeof fetch,
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<void> {
  try {
    const response = await doFetch(url, { method: "GET", headers, signal });
    // The body must be read to the end, or the socket never returns to the pool.
    await response.text();
  } catch {
    // a hint only
  }
}
