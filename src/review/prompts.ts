import type { ReviewTarget } from "../protocol/review.js";

/**
 * What the reviewer is asked for each target, and how the target is named to the user. These
 * short texts are Codex 0.169's own, kept word for word: they appear in the thread (its
 * `userMessage` item and preview) and clients show them.
 */

const UNCOMMITTED =
  "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings.";

const baseBranch = (branch: string, mergeBase: string) =>
  `Review the code changes against the base branch '${branch}'. The merge base commit for this comparison is ${mergeBase}. Run \`git diff ${mergeBase}\` to inspect the changes relative to ${branch}. Provide prioritized, actionable findings.`;

/** When no merge base can be computed, the reviewer is told how to find it. */
const baseBranchUnresolved = (branch: string) =>
  `Review the code changes against the base branch '${branch}'. Start by finding the merge diff between the current branch and ${branch}'s upstream e.g. (\`git merge-base HEAD "$(git rev-parse --abbrev-ref "${branch}@{upstream}")"\`), then run \`git diff\` against that SHA to see what changes we would merge into the ${branch} branch. Provide prioritized, actionable findings.`;

const commit = (sha: string, title: string | null | undefined) =>
  title
    ? `Review the code changes introduced by commit ${sha} ("${title}"). Provide prioritized, actionable findings.`
    : `Review the code changes introduced by commit ${sha}. Provide prioritized, actionable findings.`;

/** A target the reviewer cannot be asked about (e.g. empty instructions). */
export class ReviewRequestError extends Error {
  override readonly name = "ReviewRequestError";
}

/**
 * The reviewer's prompt. `mergeBase` is the merge base of HEAD and the base branch (null when it
 * cannot be computed; only used for `baseBranch`).
 */
export function reviewPrompt(target: ReviewTarget, mergeBase: string | null): string {
  switch (target.type) {
    case "uncommittedChanges":
      return UNCOMMITTED;
    case "baseBranch":
      return mergeBase ? baseBranch(target.branch, mergeBase) : baseBranchUnresolved(target.branch);
    case "commit":
      return commit(target.sha, target.title);
    case "custom": {
      const text = target.instructions.trim();
      if (text === "") throw new ReviewRequestError("Review prompt cannot be empty");
      return text;
    }
  }
}

/** How the review is named to the user (`enteredReviewMode.review`, the exec transcript). */
export function reviewHint(target: ReviewTarget): string {
  switch (target.type) {
    case "uncommittedChanges":
      return "current changes";
    case "baseBranch":
      return `changes against '${target.branch}'`;
    case "commit": {
      const short = [...target.sha].slice(0, 7).join("");
      return target.title ? `commit ${short}: ${target.title}` : `commit ${short}`;
    }
    case "custom":
      return target.instructions.trim();
  }
}

/**
 * The user-role message the parent thread keeps after a review, so a follow-up turn ("fix the
 * first one") sees the findings. The XML-like frame is what Codex records.
 */
export function reviewResultsMessage(results: string): string {
  return `<user_action>\n  <context>User initiated a review task. Here's the full review output from reviewer model. User may select one or more comments to resolve.</context>\n  <action>review</action>\n  <results>\n  ${results}\n  </results>\n  </user_action>\n`;
}

/** The same message when the review was interrupted. */
export const REVIEW_INTERRUPTED_MESSAGE =
  "<user_action>\n  <context>User initiated a review task, but was interrupted. If user asks about this, tell them to re-initiate a review with `/review` and wait for it to complete.</context>\n  <action>review</action>\n  <results>\n  None.\n  </results>\n</user_action>\n";

/** The assistant message shown for an interrupted review. */
export const REVIEW_INTERRUPTED_TEXT =
  "Review was interrupted. Please re-run /review and wait for it to complete.";
