import { describe, expect, it } from "vitest";
import { configFor, context, functionCall, outputText, router, workspace } from "./support.js";

/**
 * Codex's waits and `Wall time`: exec_command waits its yield once the command is up and reports
 * that wait; write_stdin lets the command react for 100 ms after a write, then waits its yield,
 * and reports the wait only (0.2515 s for a 250 ms write; the call takes about 0.35 s).
 */

const wallMs = (reply: string): number => 1000 * Number(/^Wall time: ([\d.]+) seconds$/m.exec(reply)?.[1]);
const sessionOf = (reply: string): number => Number(/session ID (\d+)/.exec(reply)?.[1]);

describe("unified exec waits and wall time", () => {
  it("a write's reply counts the 250 ms wait, not the 100 ms settle before it", async () => {
    const ws = workspace();
    const r = router(ws, { shellSnapshot: false });
    const t = context(configFor(ws, "never", "workspace-write"));
    const call = async (name: string, args: unknown) => {
      const at = performance.now();
      const reply = outputText(await r.dispatch(functionCall(name, args), t.ctx));
      return { reply, tookMs: performance.now() - at };
    };
    const started = await call("exec_command", { cmd: "cat", tty: true, yield_time_ms: 250 });
    expect(wallMs(started.reply)).toBeGreaterThanOrEqual(250);
    expect(wallMs(started.reply)).toBeLessThanOrEqual(started.tookMs);
    const wrote = await call("write_stdin", { session_id: sessionOf(started.reply), chars: "ping\n" });
    expect(wrote.reply).toContain("ping\r\nping\r\n");
    expect(wallMs(wrote.reply)).toBeGreaterThanOrEqual(250);
    // The settle (a 100 ms sleep) happened before the reported wait began.
    expect(wrote.tookMs - wallMs(wrote.reply)).toBeGreaterThanOrEqual(99);
    await r.terminateProcesses("thread-1");
  });
});
