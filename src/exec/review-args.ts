import { UserError } from "../lib/errors.js";
import type { ReviewTarget } from "../protocol/review.js";
import { resolvePrompt } from "./input.js";

export interface ReviewArgs {
  prompt: string | null;
  uncommitted: boolean;
  base: string | null;
  commit: string | null;
  title: string | null;
}

export const NO_REVIEW_TARGET_MESSAGE =
  "Specify --uncommitted, --base, --commit, or provide custom review instructions";

/** How each target reads on Codex's usage line. */
const SPELLING = {
  uncommitted: "--uncommitted",
  base: "--base <BRANCH>",
  commit: "--commit <SHA>",
  prompt: "[PROMPT]",
};

/**
 * `keel exec review`'s target, with Codex's rules: one of `--uncommitted`, `--base`, `--commit`
 * or a prompt (`-` reads it from stdin); `--title` only with `--commit`. Conflicts are usage
 * errors (exit 2); no target at all exits 1.
 */
export async function reviewTargetFromArgs(
  args: ReviewArgs,
  stdin: NodeJS.ReadableStream,
): Promise<ReviewTarget> {
  const given = (["uncommitted", "base", "commit", "prompt"] as const).filter((k) =>
    k === "uncommitted" ? args.uncommitted : args[k] !== null,
  );
  if (given.length > 1)
    throw new UserError(
      `the argument '${SPELLING[given[0]!]}' cannot be used with '${SPELLING[given[1]!]}'`,
      2,
    );
  if (args.title !== null && args.commit === null)
    throw new UserError("the argument '--title <TITLE>' requires '--commit <SHA>'", 2);
  if (args.uncommitted) return { type: "uncommittedChanges" };
  if (args.base !== null) return { type: "baseBranch", branch: args.base };
  if (args.commit !== null) return { type: "commit", sha: args.commit, title: args.title };
  if (args.prompt === null) throw new UserError(NO_REVIEW_TARGET_MESSAGE, 1);
  // Only `-` reads stdin: without a target, a review has nothing to do.
  const instructions = args.prompt === "-" ? await resolvePrompt("-", stdin, false) : args.prompt;
  if (instructions.trim() === "") throw new UserError(NO_REVIEW_TARGET_MESSAGE, 1);
  return { type: "custom", instructions };
}
