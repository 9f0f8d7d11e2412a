import { z } from "zod";

/**
 * Code review (Codex `/review`, `review/start`, `codex exec review`): what is reviewed, in the
 * core (snake_case event) spelling, and the reviewer's structured answer.
 */

export const ReviewTargetSchema = z.discriminatedUnion("type", [
  /** Staged, unstaged and untracked changes of the working tree. */
  z.object({ type: z.literal("uncommittedChanges") }),
  /** The changes the current branch would merge into `branch`. */
  z.object({ type: z.literal("baseBranch"), branch: z.string() }),
  /** The changes one commit introduced; `title` (its subject) is for display only. */
  z.object({ type: z.literal("commit"), sha: z.string(), title: z.string().nullish() }),
  /** Free-form review instructions. */
  z.object({ type: z.literal("custom"), instructions: z.string() }),
]);
export type ReviewTarget = z.infer<typeof ReviewTargetSchema>;

export const ReviewLineRangeSchema = z.object({ start: z.number().int(), end: z.number().int() });

export const ReviewCodeLocationSchema = z.object({
  absolute_file_path: z.string(),
  line_range: ReviewLineRangeSchema,
});

export const ReviewFindingSchema = z.object({
  title: z.string(),
  body: z.string(),
  confidence_score: z.number(),
  /** 0 (P0) … 3 (P3); absent when the reviewer could not tell. */
  priority: z.number().int().nullish(),
  code_location: ReviewCodeLocationSchema,
});
export type ReviewFinding = z.infer<typeof ReviewFindingSchema>;

/**
 * The reviewer's answer (the JSON the review rubric asks for). Every field has a default, as in
 * Codex, so a partial object still parses; text that is no JSON at all becomes the explanation.
 */
export const ReviewOutputSchema = z.object({
  findings: z.array(ReviewFindingSchema).default([]),
  overall_correctness: z.string().default(""),
  overall_explanation: z.string().default(""),
  overall_confidence_score: z.number().default(0),
});
export type ReviewOutput = z.infer<typeof ReviewOutputSchema>;
