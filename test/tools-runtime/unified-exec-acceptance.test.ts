import { describe, expect, it } from "vitest";
import {
  configFor,
  context,
  functionCall,
  outputText,
  router,
  withTokenBudget,
  workspace,
} from "./support.js";

/** Spec §9 test 4 to the byte: the truncated reply's header and marker, and the 1 MiB buffer. */

describe("unified exec acceptance (spec §9)", () => {
  it("4: seq 1 30000 at 200 tokens, and output beyond the 1 MiB buffer", async () => {
    const ws = workspace();
    const r = router(ws, { shellSnapshot: false });
    const t = context(withTokenBudget(configFor(ws, "never", "danger-full-access")));
    const call = async (args: unknown) =>
      outputText(await r.dispatch(functionCall("exec_command", args), t.ctx));
    const small = await call({ cmd: "seq 1 30000", max_output_tokens: 200 });
    expect(small).toMatch(
      /^Chunk ID: [0-9a-f]{6}\nWall time: \d+\.\d{4} seconds\nProcess exited with code 0\nOriginal token count: 42224\nOutput:\nWarning: truncated output \(original token count: 42224\)\nTotal output lines: 30000\n\n1\n2\n3\n/,
    );
    expect(small).toContain("…42024 tokens truncated…");
    expect(small.endsWith("\n29999\n30000\n")).toBe(true);
    // 3,000,000 bytes: the process keeps 1 MiB (head and tail); the rest is counted as omitted.
    const huge = await call({ cmd: "head -c 3000000 /dev/zero | tr '\\0' a", max_output_tokens: 200 });
    expect(huge).toContain(
      "\nOriginal token count: 750000\nOutput:\nWarning: truncated output (original token count: 750000)\n... 1951424 bytes omitted ...\n\naaaa",
    );
    // (The exact count against the kept bytes is checked on Codex's captures in truncation.test.ts.)
    expect(huge).toMatch(/a…\d+ tokens truncated…a/);
  });
});
