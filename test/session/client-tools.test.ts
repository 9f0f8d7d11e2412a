import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dynamicToolOutput, placeClientTools } from "../../src/session/client-tools.js";
import type { ToolSpec } from "../../src/session/index.js";
import { parseUserInputQuestions } from "../../src/tools/request-user-input.js";

/** The pure parts of the client tools: placement in the tool list, output shape, argument checks. */

const fn = (name: string): ToolSpec => ({ type: "function", name, description: name, parameters: {} });
const RUI = fn("request_user_input");

describe("placeClientTools", () => {
  it("puts request_user_input after the command tools and dynamic tools before the hosted ones", () => {
    const builtins = [
      fn("exec_command"),
      fn("write_stdin"),
      { type: "custom", name: "apply_patch", description: "" },
      fn("view_image"),
      { type: "web_search" },
    ];
    const placed = placeClientTools(builtins, RUI, [fn("lookup"), { type: "namespace", name: "ide" }]);
    expect(placed.map((t) => `${t.type}:${(t as { name?: string }).name ?? ""}`)).toEqual([
      "function:exec_command",
      "function:write_stdin",
      "function:request_user_input",
      "custom:apply_patch",
      "function:view_image",
      "function:lookup",
      "namespace:ide",
      "web_search:",
    ]);
  });

  it("keeps every tool, in order, whatever the list looks like", () => {
    const names = fc.constantFrom("exec_command", "shell", "apply_patch", "update_plan", "view_image", "x");
    const tool = fc.oneof(
      names.map((n) => fn(n)),
      fc.constant(null).map((): ToolSpec => ({ type: "web_search" })),
    );
    fc.assert(
      fc.property(
        fc.array(tool),
        fc.array(tool, { maxLength: 3 }),
        fc.boolean(),
        (builtins, dynamic, ask) => {
          const placed = placeClientTools(builtins, ask ? RUI : null, dynamic);
          expect(placed).toHaveLength(builtins.length + dynamic.length + (ask ? 1 : 0));
          // The built-ins keep their order, and so do the dynamic tools.
          expect(placed.filter((t) => builtins.includes(t))).toEqual(builtins);
          expect(placed.filter((t) => dynamic.includes(t) && !builtins.includes(t))).toEqual(
            dynamic.filter((t) => !builtins.includes(t)),
          );
          expect(placed.includes(RUI)).toBe(ask);
        },
      ),
    );
  });
});

describe("dynamicToolOutput", () => {
  it("is a string for one text item and a content list otherwise (as Codex sends them)", () => {
    expect(dynamicToolOutput({ contentItems: [{ type: "inputText", text: "x" }], success: false })).toBe("x");
    expect(dynamicToolOutput({ contentItems: [], success: true })).toEqual([]);
    expect(
      dynamicToolOutput({
        contentItems: [
          { type: "inputText", text: "a" },
          { type: "inputText", text: "b" },
        ],
        success: true,
      }),
    ).toEqual([
      { type: "input_text", text: "a" },
      { type: "input_text", text: "b" },
    ]);
    expect(
      dynamicToolOutput({
        contentItems: [{ type: "inputImage", imageUrl: "data:image/png;base64,AA" }],
        success: true,
      }),
    ).toEqual([{ type: "input_image", image_url: "data:image/png;base64,AA", detail: "original" }]);
  });
});

describe("parseUserInputQuestions", () => {
  it("adds the free-text choice to every question and reports bad arguments for the model", () => {
    const ok = parseUserInputQuestions(
      JSON.stringify({
        questions: [{ id: "a", header: "A", question: "A?", options: [{ label: "x", description: "y" }] }],
      }),
    );
    expect(ok).toEqual({
      ok: true,
      value: [
        {
          id: "a",
          header: "A",
          question: "A?",
          isOther: true,
          isSecret: false,
          options: [{ label: "x", description: "y" }],
        },
      ],
    });
    expect(parseUserInputQuestions("{}")).toEqual({
      ok: false,
      message: "failed to parse function arguments: missing field `questions`",
    });
    expect(
      parseUserInputQuestions(JSON.stringify({ questions: [{ id: "a", header: "A", question: "A?" }] })),
    ).toEqual({
      ok: false,
      message: "request_user_input requires non-empty options for every question",
    });
  });
});
