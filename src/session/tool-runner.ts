import type { ResponseItem } from "../protocol/items.js";
import { type ToolCall, type ToolContext, type ToolRouter, toolOutputItem } from "./tool-router.js";

interface Running {
  call: ToolCall;
  output: Promise<ResponseItem>;
}

/**
 * Runs the tool calls of one sampling step as they arrive. Parallel-capable calls share the lane;
 * any other call waits for everything before it and blocks everything after it (a read/write
 * lock, as Codex does). Outputs come back in call order. When the turn is aborted, unfinished
 * calls are answered with an abort note at once; the tools see the signal and stop on their own.
 */
export class ToolCallRuntime {
  private readonly running: Running[] = [];
  private lastExclusive: Promise<unknown> = Promise.resolve();
  private sharedSinceExclusive: Promise<unknown>[] = [];

  constructor(
    private readonly router: ToolRouter,
    private readonly context: ToolContext,
  ) {}

  get size(): number {
    return this.running.length;
  }

  start(call: ToolCall): void {
    const parallel = this.router.supportsParallel(call.name, call.namespace);
    const gate = parallel
      ? this.lastExclusive
      : Promise.all([this.lastExclusive, ...this.sharedSinceExclusive]);
    const started = Date.now();
    const run = gate.then(() => {
      this.context.signal.throwIfAborted();
      return this.router.dispatch(call, this.context);
    });
    const settled = run.catch(() => undefined);
    if (parallel) {
      this.sharedSinceExclusive.push(settled);
    } else {
      this.lastExclusive = settled;
      this.sharedSinceExclusive = [];
    }
    const output = raceAbort(run, this.context.signal).then(
      (item) => item,
      (error: unknown) => {
        if (this.context.signal.aborted)
          return toolOutputItem(call, abortedText(call.name, Date.now() - started));
        return toolOutputItem(
          call,
          `tool ${call.name} failed: ${(error as Error)?.message ?? String(error)}`,
        );
      },
    );
    this.running.push({ call, output });
  }

  /** Outputs of every started call, in call order; context a hook added precedes its call's output. */
  async drain(): Promise<ResponseItem[]> {
    const outputs = await Promise.all(this.running.map((r) => r.output));
    const calls = this.running.map((r) => r.call.callId);
    this.running.length = 0;
    const hooks = this.context.hooks;
    if (!hooks) return outputs;
    return outputs.flatMap((output, i) => [...hooks.takeContext(calls[i]!), output]);
  }
}

/** What the model reads for a call the user interrupted (Codex's wording per tool family). */
function abortedText(tool: string, elapsedMs: number): string {
  const secs = (elapsedMs / 1000).toFixed(1);
  return tool === "exec_command" || tool === "write_stdin"
    ? `Wall time: ${secs} seconds\naborted by user`
    : `aborted by user after ${secs}s`;
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
