import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { TurnPlanUpdatedNotificationSchema } from "../../src/protocol/v2/turn.js";
import {
  APPLY_PATCH_LARK_GRAMMAR,
  ApplyPatchArgsSchema,
  applyPatchFreeformToolSpec,
  applyPatchFunctionToolSpec,
  ExecCommandArgsSchema,
  execCommandToolSpec,
  type FunctionToolSpec,
  parseToolArguments,
  ShellArgsSchema,
  shellToolSpec,
  UpdatePlanArgsSchema,
  updatePlanToolSpec,
  WriteStdinArgsSchema,
  writeStdinToolSpec,
} from "../../src/tools/specs.js";
import { handleUpdatePlan } from "../../src/tools/update-plan.js";

describe("tool specs", () => {
  it.each<[FunctionToolSpec, z.ZodObject]>([
    [shellToolSpec({ includePrefixRule: true }), ShellArgsSchema],
    [execCommandToolSpec(), ExecCommandArgsSchema],
    [writeStdinToolSpec(), WriteStdinArgsSchema],
    [applyPatchFunctionToolSpec(), ApplyPatchArgsSchema],
    [updatePlanToolSpec(), UpdatePlanArgsSchema],
  ])("%s: the JSON schema and the zod schema name the same parameters", (spec, schema) => {
    expect(spec.type).toBe("function");
    expect(spec.parameters.additionalProperties).toBe(false);
    expect(Object.keys(spec.parameters.properties).sort()).toEqual(Object.keys(schema.shape).sort());
    for (const key of spec.parameters.required ?? []) {
      expect(schema.shape[key]?.safeParse(undefined).success, key).toBe(false);
    }
  });

  it("offers prefix_rule only when asked", () => {
    expect(shellToolSpec().parameters.properties).not.toHaveProperty("prefix_rule");
    expect(shellToolSpec({ includePrefixRule: true }).parameters.properties).toHaveProperty("prefix_rule");
    // exec_command: Codex 0.169's parameter set under every approval policy, in its order.
    expect(Object.keys(execCommandToolSpec().parameters.properties)).toEqual([
      "cmd",
      "justification",
      "login",
      "max_output_tokens",
      "prefix_rule",
      "sandbox_permissions",
      "shell",
      "tty",
      "workdir",
      "yield_time_ms",
    ]);
    expect(execCommandToolSpec({ allowLoginShell: false }).parameters.properties).not.toHaveProperty("login");
    expect(Object.keys(writeStdinToolSpec().parameters.properties)).toEqual([
      "chars",
      "max_output_tokens",
      "session_id",
      "yield_time_ms",
    ]);
  });

  it("serialises the freeform apply_patch tool with its Lark grammar", () => {
    const spec = applyPatchFreeformToolSpec();
    expect(JSON.parse(JSON.stringify(spec))).toEqual({
      type: "custom",
      name: "apply_patch",
      description: spec.description,
      format: { type: "grammar", syntax: "lark", definition: APPLY_PATCH_LARK_GRAMMAR },
    });
    for (const marker of ["*** Begin Patch", "*** Add File: ", "*** Move to: ", "*** End of File", '"@@"']) {
      expect(APPLY_PATCH_LARK_GRAMMAR).toContain(marker);
    }
  });
});

describe("parseToolArguments", () => {
  it("applies defaults", () => {
    expect(parseToolArguments(ExecCommandArgsSchema, '{"cmd":"ls"}')).toEqual({
      ok: true,
      value: {
        cmd: "ls",
        tty: false,
        sandbox_permissions: "use_default",
      },
    });
    expect(parseToolArguments(ShellArgsSchema, '{"command":["ls"],"workdir":"/w","timeout_ms":5}')).toEqual({
      ok: true,
      value: { command: ["ls"], workdir: "/w", timeout_ms: 5, sandbox_permissions: "use_default" },
    });
  });

  it.each([
    [ShellArgsSchema, "{", /^failed to parse function arguments: .*JSON/],
    [ShellArgsSchema, "{}", "failed to parse function arguments: missing field `command`"],
    [
      ShellArgsSchema,
      '{"command":[]}',
      "failed to parse function arguments: invalid value at `command`: command must not be empty",
    ],
    [
      ShellArgsSchema,
      '{"command":["ls"],"sandbox_permissions":"root"}',
      'failed to parse function arguments: invalid value at `sandbox_permissions`: Invalid option: expected one of "use_default"|"require_escalated"',
    ],
    [
      ExecCommandArgsSchema,
      '{"cmd":"ls","yield_time_ms":-1}',
      "failed to parse function arguments: invalid value at `yield_time_ms`: Too small: expected number to be >=0",
    ],
    [WriteStdinArgsSchema, '{"chars":"x"}', "failed to parse function arguments: missing field `session_id`"],
    [
      UpdatePlanArgsSchema,
      '{"plan":[{"step":"a","status":"done"}]}',
      'failed to parse function arguments: invalid value at `plan[0].status`: Invalid option: expected one of "pending"|"in_progress"|"completed"',
    ],
  ])("explains bad arguments to the model (%#)", (schema, json, expected) => {
    const result = parseToolArguments(schema, json);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(expected);
  });
});

describe("handleUpdatePlan", () => {
  it("returns the plan and the turn/plan/updated payload", () => {
    const result = handleUpdatePlan(
      JSON.stringify({
        explanation: "Start with the parser",
        plan: [
          { step: "Write parser", status: "completed" },
          { step: "Write planner", status: "in_progress" },
          { step: "Docs", status: "pending" },
        ],
      }),
    );
    expect(result).toEqual({
      ok: true,
      output: "Plan updated",
      args: {
        explanation: "Start with the parser",
        plan: [
          { step: "Write parser", status: "completed" },
          { step: "Write planner", status: "in_progress" },
          { step: "Docs", status: "pending" },
        ],
      },
      update: {
        explanation: "Start with the parser",
        plan: [
          { step: "Write parser", status: "completed" },
          { step: "Write planner", status: "inProgress" },
          { step: "Docs", status: "pending" },
        ],
      },
    });
  });

  it("produces a payload that is a valid turn/plan/updated notification", () => {
    const result = handleUpdatePlan('{"plan":[{"step":"a","status":"in_progress"}]}');
    if (!result.ok) throw new Error(result.message);
    const notification = { threadId: "thr_1", turnId: "turn_1", ...result.update };
    expect(TurnPlanUpdatedNotificationSchema.parse(notification)).toEqual(notification);
  });

  it("treats a missing explanation as null and rejects a missing plan", () => {
    const ok = handleUpdatePlan('{"plan":[]}');
    expect(ok.ok && ok.update).toEqual({ explanation: null, plan: [] });
    expect(handleUpdatePlan('{"explanation":"x"}')).toEqual({
      ok: false,
      message: "failed to parse function arguments: missing field `plan`",
    });
  });
});
