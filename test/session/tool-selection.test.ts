import { describe, expect, it } from "vitest";
import { BUILTIN_MODEL_CATALOG } from "../../src/model/catalog/catalog.js";
import type { ModelInfo } from "../../src/model/catalog/model-info.js";
import type { ToolSpec } from "../../src/protocol/model.js";
import { DEFAULT_TOOLS_CONFIG, selectTools, type ToolsConfig } from "../../src/session/tool-selection.js";

/** What other tool routers provide (their behaviour is built elsewhere). */
const provided: ToolSpec[] = [
  { type: "web_search", external_web_access: false },
  { type: "function", name: "view_image", description: "", parameters: {} },
  { type: "function", name: "mcp__docs__search", description: "", parameters: {} },
  { type: "function", name: "request_user_input", description: "", parameters: {} },
  { type: "function", name: "write_stdin", description: "", parameters: {} },
];

const names = (info: ModelInfo, tools: Partial<ToolsConfig> = {}) =>
  selectTools(info, { ...DEFAULT_TOOLS_CONFIG, ...tools }, provided).map(
    (t) => `${t.type}:${t.name ?? ""}${(t.format as { type?: string } | undefined)?.type ? "/grammar" : ""}`,
  );

describe("tool selection from the model catalog", () => {
  const gpt55 = BUILTIN_MODEL_CATALOG.resolve("gpt-5.5");
  const unknown = BUILTIN_MODEL_CATALOG.resolve("my-custom-model");

  it("offers Codex 0.169's tools in its order, then the routers' other tools", () => {
    expect(names(gpt55)).toEqual([
      "function:exec_command",
      "function:write_stdin",
      "function:request_user_input",
      "custom:apply_patch/grammar",
      "function:view_image",
      "web_search:",
      "function:mcp__docs__search",
    ]);
    // Unknown models get no apply_patch in 0.169.
    expect(names(unknown)).not.toContain("custom:apply_patch/grammar");
    expect(names(unknown)).not.toContain("function:apply_patch");
  });

  it("follows features.shell_tool and tools.view_image", () => {
    expect(names(gpt55, { shellTool: false }).slice(0, 2)).toEqual([
      "function:request_user_input",
      "custom:apply_patch/grammar",
    ]);
    expect(names(gpt55, { viewImage: false })).not.toContain("function:view_image");
    expect(names({ ...gpt55, inputModalities: ["text"] })).not.toContain("function:view_image");
  });

  it("picks the command tool from the catalog's shell type when unified exec is off", () => {
    const first = (shellType: ModelInfo["shellType"]) =>
      names({ ...gpt55, shellType }, { unifiedExec: false })[0];
    expect(first("shell_command")).toBe("function:shell_command");
    expect(first("default")).toBe("function:shell");
    expect(first("local")).toBe("local_shell:");
    expect(first("unified_exec")).toBe("function:exec_command");
    expect(first("disabled")).toBe("function:request_user_input");
    expect(names({ ...gpt55, applyPatchToolType: "function" })).toContain("function:apply_patch");
  });

  it("with features.unified_exec on (Codex 0.169 cannot turn it off), every catalog entry gets exec_command", () => {
    const commandTools = (info: ModelInfo) =>
      names(info).filter((n) => /exec_command|write_stdin|shell|local_shell/.test(n));
    for (const info of [...BUILTIN_MODEL_CATALOG.list(), unknown]) {
      expect(commandTools(info), info.slug).toEqual(["function:exec_command", "function:write_stdin"]);
    }
    for (const shellType of ["shell_command", "default", "unified_exec"] as const) {
      expect(commandTools({ ...gpt55, shellType })).toEqual([
        "function:exec_command",
        "function:write_stdin",
      ]);
    }
    expect(commandTools({ ...gpt55, shellType: "disabled" })).toEqual([]);
  });
});
