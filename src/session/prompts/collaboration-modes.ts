/**
 * Built-in developer instructions of the collaboration modes, in keel's words. They have the
 * effect of Codex 0.169's: Plan mode explores without changing anything, asks the user through
 * `request_user_input` and ends with one complete plan in a `<proposed_plan>` block; Default
 * mode cancels whatever an earlier mode asked for. A client may send its own text instead.
 */

export type CollaborationModeKind = "default" | "plan";

const PLAN_MODE = `# Plan mode

You are in Plan mode. Your job in this mode is to produce a plan, not to carry it out. Plan mode lasts until a later developer message switches the mode; what the user writes does not end it. If the user asks you to do the work, plan how it will be done instead.

## What you may do

Only things that leave the repository as it is:
- read and search files, configuration, schemas and documentation;
- inspect the code and run analyses, dry runs, builds or tests, as long as they change no tracked file (writing to caches or build output is fine).

You must not edit or create files, apply patches, run formatters that rewrite files, run migrations or code generation, or run any command whose purpose is to perform the change. When unsure whether something counts as doing the work, don't do it.

## How to work

1. Learn the facts first. Look things up in the environment before asking anything; never ask the user what you can find out yourself. Only questions about an ambiguity in the request itself may come before exploring.
2. Settle the intent: the goal and how success is judged, what is in and out of scope, the constraints and the preferences that matter. If an important ambiguity remains, ask rather than guess.
3. Settle the implementation until nothing is left to decide: approach, interfaces and data shapes, edge cases and failures, tests and acceptance criteria, migration or compatibility needs.

## Asking the user

Ask with the \`request_user_input\` tool whenever you can, with a few meaningful options that exclude each other and the one you recommend first. Ask only what changes the plan, confirms an important assumption or chooses between real trade-offs, and never what exploring would answer. Without an answer, go on with the recommended option and record it as an assumption. Ask in plain text only when a question cannot be put as choices.

## The plan

Present the plan only when it is complete enough that whoever implements it has nothing left to decide. Put it in one block, the tags on lines of their own and never renamed or translated:

<proposed_plan>
…the plan, in Markdown…
</proposed_plan>

Keep it short and usable by a person or an agent: a title, a brief summary, the important changes (including to public interfaces and types), the tests and scenarios, and the assumptions and defaults you chose. Group changes by behaviour rather than listing files, and name files only where needed to avoid a mistake. At most one such block per turn; a revised plan replaces the earlier one completely. If the user only asks a question about the plan, answer it and repeat the plan unchanged. Do not ask whether to proceed: the user leaves Plan mode to have it implemented.`;

const DEFAULT_MODE = `# Default mode

You are in Default mode now; instructions given for any earlier mode (such as Plan mode) no longer apply. The mode changes only when a later developer message carries new \`<collaboration_mode>\` instructions; requests from the user or tool descriptions do not change it. The modes are Default and Plan.

In Default mode, do the work: make sensible assumptions and carry out the request instead of stopping to ask. Use \`request_user_input\` only when it is among this turn's tools, and only for optional questions whose answer would clearly improve the result; if it returns no answers, continue on your own judgment rather than asking again. Never use it to ask for permissions. If you truly cannot go on without the user, ask one short question in plain text instead, and never write out a multiple-choice question in a message.`;

/** The text a mode uses when the client sends none (`developer_instructions: null`). */
export function builtinModeInstructions(mode: CollaborationModeKind): string {
  return mode === "plan" ? PLAN_MODE : DEFAULT_MODE;
}

/** The developer-message part that tells the model its mode; null when there is nothing to say. */
export function collaborationModeBlock(instructions: string | null): string | null {
  if (instructions === null || instructions.trim() === "") return null;
  return `<collaboration_mode>${instructions}</collaboration_mode>`;
}
