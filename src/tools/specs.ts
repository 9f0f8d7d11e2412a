import { z } from "zod";

/**
 * The built-in tools as the model client sends them (Responses API `tools` entries), and zod
 * schemas that parse the model's arguments with errors precise enough to hand back to it.
 * Parameter names and shapes follow Codex so models trained on it call them correctly.
 */

export type JsonSchema =
  | { type: "string"; description?: string; enum?: string[] }
  | { type: "number"; description?: string }
  | { type: "boolean"; description?: string }
  | { type: "array"; items: JsonSchema; description?: string }
  | {
      type: "object";
      properties: Record<string, JsonSchema>;
      required?: string[];
      additionalProperties?: boolean;
      description?: string;
    };

export type ObjectJsonSchema = Extract<JsonSchema, { type: "object" }>;

export interface FunctionToolSpec {
  type: "function";
  name: string;
  description: string;
  strict: false;
  parameters: ObjectJsonSchema;
}

export interface FreeformToolSpec {
  type: "custom";
  name: string;
  description: string;
  format: { type: "grammar"; syntax: "lark"; definition: string };
}

export type ToolSpec = FunctionToolSpec | FreeformToolSpec;

// ── shared approval parameters ─────────────────────────────────────────────────────────────

export const SandboxPermissionsSchema = z.enum(["use_default", "require_escalated"]);
export type SandboxPermissions = z.infer<typeof SandboxPermissionsSchema>;

const approvalProperties = (includePrefixRule: boolean): Record<string, JsonSchema> => ({
  sandbox_permissions: {
    type: "string",
    enum: ["use_default", "require_escalated"],
    description:
      'Sandboxing for this command. "require_escalated" asks the user to run it without sandbox restrictions; the default is "use_default".',
  },
  justification: {
    type: "string",
    description:
      'Only with sandbox_permissions "require_escalated": a short question shown to the user when asking for approval, saying why the command needs to run outside the sandbox, e.g. "Allow fetching the latest dependencies from the network?"',
  },
  ...(includePrefixRule
    ? {
        prefix_rule: {
          type: "array",
          items: { type: "string" },
          description:
            'Only with sandbox_permissions "require_escalated": a command prefix the user may allow for the rest of the session, e.g. ["npm", "install"].',
        } satisfies JsonSchema,
      }
    : {}),
});

const approvalFields = {
  sandbox_permissions: SandboxPermissionsSchema.default("use_default"),
  justification: z.string().optional(),
  prefix_rule: z.array(z.string()).optional(),
};

const nonNegativeInt = z.number().int().nonnegative();

export interface CommandToolOptions {
  /** Offer `prefix_rule` (when the approval flow can turn it into a session rule). */
  includePrefixRule?: boolean;
}

// ── shell ──────────────────────────────────────────────────────────────────────────────────

export const ShellArgsSchema = z.object({
  command: z.array(z.string()).min(1, "command must not be empty"),
  workdir: z.string().optional(),
  timeout_ms: nonNegativeInt.optional(),
  ...approvalFields,
});
export type ShellArgs = z.infer<typeof ShellArgsSchema>;

export function shellToolSpec(options: CommandToolOptions = {}): FunctionToolSpec {
  return {
    type: "function",
    name: "shell",
    description: [
      "Runs a command and returns its output.",
      '- `command` is an argv passed to execvp(); wrap shell syntax as ["bash", "-lc", "<script>"].',
      "- Always set `workdir`; avoid `cd` unless there is no other way.",
    ].join("\n"),
    strict: false,
    parameters: {
      type: "object",
      properties: {
        command: { type: "array", items: { type: "string" }, description: "The command and its arguments" },
        workdir: { type: "string", description: "Directory to run the command in" },
        timeout_ms: { type: "number", description: "Kill the command after this many milliseconds" },
        ...approvalProperties(options.includePrefixRule ?? false),
      },
      required: ["command"],
      additionalProperties: false,
    },
  };
}

// ── shell_command (one shell script per call) ───────────────────────────────────────────────

export const ShellCommandArgsSchema = z.object({
  command: z.string().min(1, "command must not be empty"),
  workdir: z.string().optional(),
  login: z.boolean().default(true),
  timeout_ms: nonNegativeInt.optional(),
  ...approvalFields,
});
export type ShellCommandArgs = z.infer<typeof ShellCommandArgsSchema>;

/** The one-shot command tool of models whose catalog `shell_type` is `shell_command`. */
export function shellCommandToolSpec(options: CommandToolOptions = {}): FunctionToolSpec {
  return {
    type: "function",
    name: "shell_command",
    description: [
      "Runs a shell script in the user's shell and returns its output once it exits.",
      "- Always set `workdir`; avoid `cd` unless there is no other way.",
    ].join("\n"),
    strict: false,
    parameters: {
      type: "object",
      properties: {
        command: { type: "string", description: "The script to run" },
        workdir: { type: "string", description: "Directory to run the script in" },
        login: { type: "boolean", description: "Run the shell as a login shell (-l); defaults to true" },
        timeout_ms: { type: "number", description: "Kill the script after this many milliseconds" },
        ...approvalProperties(options.includePrefixRule ?? false),
      },
      required: ["command"],
      additionalProperties: false,
    },
  };
}

// ── exec_command / write_stdin (unified exec) ──────────────────────────────────────────────

export const ExecCommandArgsSchema = z.object({
  cmd: z.string().min(1, "cmd must not be empty"),
  workdir: z.string().optional(),
  shell: z.string().optional(),
  login: z.boolean().optional(),
  tty: z.boolean().default(false),
  yield_time_ms: z.number().nonnegative().optional(),
  max_output_tokens: nonNegativeInt.optional(),
  ...approvalFields,
});
export type ExecCommandArgs = z.infer<typeof ExecCommandArgsSchema>;

const outputTokensProperty: JsonSchema = {
  type: "number",
  description: "Most tokens of output to return (default 10000); the model's own limit may lower it.",
};

/** exec_command's parameters, in Codex's (alphabetical) order; `login` only when login shells are allowed. */
export function execCommandToolSpec(options: { allowLoginShell?: boolean } = {}): FunctionToolSpec {
  // exec_command always offers prefix_rule, whatever the approval policy (as Codex does).
  const { sandbox_permissions, justification, prefix_rule } = approvalProperties(true);
  const properties: Record<string, JsonSchema> = {
    cmd: { type: "string", description: "The shell command to run." },
    justification: justification!,
    ...(options.allowLoginShell === false
      ? {}
      : {
          login: {
            type: "boolean",
            description: "Run the shell as a login shell (-l); false runs it plainly. Default true.",
          } satisfies JsonSchema,
        }),
    max_output_tokens: outputTokensProperty,
    prefix_rule: prefix_rule!,
    sandbox_permissions: sandbox_permissions!,
    shell: { type: "string", description: "Shell program to run cmd with; default: the user's shell." },
    tty: {
      type: "boolean",
      description: "True gives the command a terminal (PTY) it can be typed into; false or absent: pipes.",
    },
    workdir: { type: "string", description: "Directory to run in; default: the turn's working directory." },
    yield_time_ms: {
      type: "number",
      description:
        "How long to wait for the command before answering; default 10000 ms, kept within 250-30000 ms.",
    },
  };
  return {
    type: "function",
    name: "exec_command",
    description:
      "Runs a shell command, optionally on a terminal; returns its output, or a session id for write_stdin when it is still running.",
    strict: false,
    parameters: { type: "object", properties, required: ["cmd"], additionalProperties: false },
  };
}

export const WriteStdinArgsSchema = z.object({
  session_id: z.number().int(),
  chars: z.string().default(""),
  yield_time_ms: z.number().nonnegative().optional(),
  max_output_tokens: nonNegativeInt.optional(),
});
export type WriteStdinArgs = z.infer<typeof WriteStdinArgsSchema>;

export function writeStdinToolSpec(): FunctionToolSpec {
  return {
    type: "function",
    name: "write_stdin",
    description: "Sends characters to a running exec_command session and returns the output that followed.",
    strict: false,
    parameters: {
      type: "object",
      properties: {
        chars: {
          type: "string",
          description: "Characters to type, sent as they are; empty (the default) only waits for output.",
        },
        max_output_tokens: outputTokensProperty,
        session_id: { type: "number", description: "The session id exec_command returned." },
        yield_time_ms: {
          type: "number",
          description:
            "How long to wait for output: writes default to 250 ms (at most 30000 ms); empty polls wait 5000-300000 ms.",
        },
      },
      required: ["session_id"],
      additionalProperties: false,
    },
  };
}

// ── apply_patch ────────────────────────────────────────────────────────────────────────────

/**
 * Lark grammar of the patch format for the freeform tool (constrained decoding). Blank lines
 * inside hunks, which the parser tolerates, are left out so the model writes clean patches.
 */
export const APPLY_PATCH_LARK_GRAMMAR = String.raw`start: begin_marker operation+ end_marker

begin_marker: "*** Begin Patch" LF
end_marker: "*** End Patch" LF?

operation: add_file | delete_file | update_file

add_file: "*** Add File: " PATH LF added_line+
added_line: "+" TEXT? LF

delete_file: "*** Delete File: " PATH LF

update_file: "*** Update File: " PATH LF move_to? hunk+
move_to: "*** Move to: " PATH LF
hunk: hunk_header? hunk_line+ end_of_file?
hunk_header: "@@" (" " TEXT)? LF
hunk_line: (" " | "+" | "-") TEXT? LF
end_of_file: "*** End of File" LF

PATH: /[^\r\n]+/
TEXT: /[^\r\n]+/
LF: "\n"
`;

const APPLY_PATCH_FORMAT_HELP = `Patches use this envelope:

*** Begin Patch
[one or more file operations]
*** End Patch

File operations:
*** Add File: <path>      create a file; every following line starts with "+"
*** Delete File: <path>   delete a file; nothing follows
*** Update File: <path>   edit a file in place; may be followed by "*** Move to: <new path>"

An update holds one or more hunks. Each hunk starts with "@@" (optionally "@@ <line>", a line such
as a class or function signature that occurs shortly before the change, to say where it is), then
lines starting with " " (unchanged context), "-" (removed) or "+" (added). Give about 3 lines of
context around each change and add "@@ <line>" headers when the context alone is ambiguous. End a
hunk that touches the end of the file with "*** End of File". Paths are relative to the working
directory.

Example:
*** Begin Patch
*** Add File: docs/notes.md
+# Notes
*** Update File: src/app.py
*** Move to: src/main.py
@@ def greet():
-    print("Hi")
+    print("Hello")
*** Delete File: obsolete.txt
*** End Patch`;

export const ApplyPatchArgsSchema = z.object({ input: z.string() });
export type ApplyPatchArgs = z.infer<typeof ApplyPatchArgsSchema>;

export function applyPatchFunctionToolSpec(): FunctionToolSpec {
  return {
    type: "function",
    name: "apply_patch",
    description: `Edits files with a patch.\n\n${APPLY_PATCH_FORMAT_HELP}`,
    strict: false,
    parameters: {
      type: "object",
      properties: {
        input: { type: "string", description: "The whole patch, from *** Begin Patch to *** End Patch" },
      },
      required: ["input"],
      additionalProperties: false,
    },
  };
}

export function applyPatchFreeformToolSpec(): FreeformToolSpec {
  return {
    type: "custom",
    name: "apply_patch",
    description: "Edits files with a patch. This is a FREEFORM tool: send the raw patch text, not JSON.",
    format: { type: "grammar", syntax: "lark", definition: APPLY_PATCH_LARK_GRAMMAR },
  };
}

// ── update_plan ────────────────────────────────────────────────────────────────────────────

export const PlanStepStatusSchema = z.enum(["pending", "in_progress", "completed"]);
export type PlanStepStatus = z.infer<typeof PlanStepStatusSchema>;

export const UpdatePlanArgsSchema = z.object({
  explanation: z.string().nullish(),
  plan: z.array(z.object({ step: z.string(), status: PlanStepStatusSchema })),
});
export type UpdatePlanArgs = z.infer<typeof UpdatePlanArgsSchema>;

export function updatePlanToolSpec(): FunctionToolSpec {
  return {
    type: "function",
    name: "update_plan",
    description: [
      "Records the plan for the task.",
      "Give an optional explanation and the full list of steps, each with a status.",
      "At most one step should be in_progress at a time.",
    ].join("\n"),
    strict: false,
    parameters: {
      type: "object",
      properties: {
        explanation: { type: "string" },
        plan: {
          type: "array",
          description: "The steps, in order",
          items: {
            type: "object",
            properties: {
              step: { type: "string" },
              status: { type: "string", enum: ["pending", "in_progress", "completed"] },
            },
            required: ["step", "status"],
            additionalProperties: false,
          },
        },
      },
      required: ["plan"],
      additionalProperties: false,
    },
  };
}

// ── parsing the model's arguments ──────────────────────────────────────────────────────────

export type ParsedArguments<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Parses a function call's JSON `arguments`. Failures carry a message meant for the model,
 * e.g. "failed to parse function arguments: missing field `plan`".
 */
export function parseToolArguments<S extends z.ZodType>(
  schema: S,
  json: string,
): ParsedArguments<z.output<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return { ok: false, message: `failed to parse function arguments: ${(error as Error).message}` };
  }
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: `failed to parse function arguments: ${describeIssues(result.error.issues)}` };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("");
      const field = where.replace(/^\./, "");
      if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
        return `missing field \`${field}\``;
      }
      return field === "" ? issue.message : `invalid value at \`${field}\`: ${issue.message}`;
    })
    .join("; ");
}
