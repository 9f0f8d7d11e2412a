import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SessionToolRouter } from "../../src/session/builtin-tools.js";
import { configFor, context, customCall, functionCall, outputText, router, workspace } from "./support.js";

/**
 * A model may name any tool. Codex 0.169 runs only the built-in tools the turn offered (its
 * handlers come from the same selection as the specs); a built-in the model was not offered is
 * answered "unsupported …" and nothing runs (captured: my-custom-model calling apply_patch).
 */
const patch = (file: string) => `*** Begin Patch\n*** Add File: ${file}\n+hi\n*** End Patch\n`;

function setup(model: string) {
  const ws = workspace();
  fs.writeFileSync(path.join(ws.home, "config.toml"), `model = "${model}"\n`);
  const t = context(configFor(ws, "never", "danger-full-access"));
  return { ws, t, tools: new SessionToolRouter(router(ws)) };
}

describe("built-in tools the turn did not offer", () => {
  it("a model without apply_patch cannot patch; one without shell cannot run it", async () => {
    const { ws, t, tools } = setup("my-custom-model");
    const names = tools.specs(t.ctx).map((s) => s.name);
    expect(names).not.toContain("apply_patch");
    expect(names).not.toContain("shell");

    const custom = await tools.dispatch(customCall("apply_patch", patch("a.txt")), t.ctx);
    expect(outputText(custom)).toBe("unsupported custom tool call: apply_patch");
    const fn = await tools.dispatch(functionCall("apply_patch", { input: patch("b.txt") }), t.ctx);
    expect(outputText(fn)).toBe("unsupported call: apply_patch");
    for (const name of ["shell", "container.exec"]) {
      const out = await tools.dispatch(functionCall(name, { command: ["touch", "c.txt"] }), t.ctx);
      expect(outputText(out)).toBe(`unsupported call: ${name}`);
    }
    expect(fs.readdirSync(ws.root).filter((f) => f.endsWith(".txt"))).toEqual([]);
    expect(t.of("patch_apply_begin")).toHaveLength(0);

    // What it was offered still runs.
    const exec = await tools.dispatch(functionCall("exec_command", { cmd: "touch d.txt" }), t.ctx);
    expect(outputText(exec)).toContain("Process exited with code 0");
    expect(fs.existsSync(path.join(ws.root, "d.txt"))).toBe(true);
  });

  it("a model offered apply_patch gets it applied", async () => {
    const { ws, t, tools } = setup("gpt-5.5");
    expect(tools.specs(t.ctx).map((s) => s.name)).toContain("apply_patch");
    const out = await tools.dispatch(customCall("apply_patch", patch("a.txt")), t.ctx);
    expect(outputText(out)).toMatch(/^Exit code: 0\n/);
    expect(fs.readFileSync(path.join(ws.root, "a.txt"), "utf8")).toBe("hi\n");
  });
});
