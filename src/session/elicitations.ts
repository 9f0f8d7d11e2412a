import type { McpElicitationRequest, McpElicitationResult } from "../mcp/types.js";
import type { EventMsg } from "../protocol/events.js";

/**
 * Questions an MCP server (or an MCP tool approval) puts to the user: each becomes an
 * `elicitation_request` event under a session-unique id and waits for `resolve(id, …)`. A wait
 * ends with `cancel` when its signal fires (the turn was interrupted, the server gave up).
 */
export class Elicitations {
  private next = 0;
  private readonly waiting = new Map<string, (result: McpElicitationResult) => void>();

  constructor(private readonly emit: (turnId: string | null, msg: EventMsg) => void) {}

  ask(
    server: string,
    turnId: string | null,
    request: McpElicitationRequest,
    signal?: AbortSignal,
  ): Promise<McpElicitationResult> {
    const id = `mcp_elicitation_${++this.next}`;
    if (signal?.aborted) return Promise.resolve({ action: "cancel" });
    const answer = new Promise<McpElicitationResult>((resolve) => {
      const onAbort = () => this.settle(id, { action: "cancel" });
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.set(id, (result) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(result);
      });
    });
    this.emit(turnId, {
      type: "elicitation_request",
      server_name: server,
      id,
      turn_id: turnId,
      request: { ...request },
    });
    return answer;
  }

  /** Answers a waiting request; false when none waits under `id`. */
  resolve(id: string, result: McpElicitationResult): boolean {
    return this.settle(id, result);
  }

  /** Every open request is answered `cancel` (the session shuts down). */
  cancelAll(): void {
    for (const id of [...this.waiting.keys()]) this.settle(id, { action: "cancel" });
  }

  private settle(id: string, result: McpElicitationResult): boolean {
    const resolve = this.waiting.get(id);
    if (!resolve) return false;
    this.waiting.delete(id);
    resolve(result);
    return true;
  }
}
