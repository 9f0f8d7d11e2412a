import { describe, expect, it } from "vitest";
import { configFor, context, functionCall, outputText, router, workspace } from "./support.js";

/**
 * Codex counts a call's wait from the launch (exec_command) or from the write (write_stdin, whose
 * 100 ms settle is part of the wait): a 250 ms yield answers at about 250 ms, not at 250 ms plus
 * the sandbox's set-up or plus the settle. The best of three calls is checked, so a loaded
 * machine's late timer does not decide the result.
 */

const wallMs = (reply: string): number => 1000 * Number(/^Wall time: ([\d.]+) seconds$/m.exec(reply)?.[1]);
const sessionOf = (reply: string): number => Number(/session ID (\d+)/.exec(reply)?.[1]);

describe("unified exec waits", () => {
  it("a 250 ms yield is 250 ms from the launch, and a write's settle is inside its 250 ms", async () => {
    const ws = workspace();
    const r = router(ws, { shellSnapshot: false });
    const t = context(configFor(ws, "never", "workspace-write"));
    const call = async (name: string, args: unknown) =>
      outputText(await r.dispatch(functionCall(name, args), t.ctx));
    const execs: number[] = [];
    const writes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = await call("exec_command", { cmd: "cat", tty: true, yield_time_ms: 250 });
      execs.push(wallMs(started));
      const id = sessionOf(started);
      const wrote = await call("write_stdin", { session_id: id, chars: "ping\n", yield_time_ms: 250 });
      expect(wrote).toContain("ping\r\nping\r\n");
      writes.push(wallMs(wrote));
    }
    await r.terminateProcesses("thread-1");
    expect(Math.min(...execs)).toBeGreaterThanOrEqual(250);
    expect(Math.min(...writes)).toBeGreaterThanOrEqual(250);
    // Before: the settle came on top (≥ 350 ms) and the yield started after bwrap was up.
    expect(Math.min(...writes)).toBeLessThan(340);
    expect(Math.min(...execs)).toBeLessThan(290);
  });
});
