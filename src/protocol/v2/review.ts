import { z } from "zod";
import { ReviewTargetSchema as CoreReviewTargetSchema } from "../review.js";
import { named } from "./names.js";
import { TurnSchema } from "./turn.js";

/** review/start (Codex `/review`): a code review as a turn. */

/** The core target: its variants already use the wire's camelCase names. */
export const ReviewTargetSchema = named("ReviewTarget", CoreReviewTargetSchema);

/**
 * `inline` runs the review in the given thread. `detached` [seed] forks the thread first and
 * reviews in the fork; Codex 0.169 dropped it from its schema, keel keeps it.
 */
export const ReviewDeliverySchema = named("ReviewDelivery", z.enum(["inline", "detached"]));

export const ReviewStartParamsSchema = named(
  "ReviewStartParams",
  z.object({
    threadId: z.string(),
    target: ReviewTargetSchema,
    delivery: ReviewDeliverySchema.nullish(),
  }),
);
export type ReviewStartParams = z.infer<typeof ReviewStartParamsSchema>;

export const ReviewStartResponseSchema = named(
  "ReviewStartResponse",
  z.object({
    turn: TurnSchema,
    /** The thread the review runs in: the given one, or the fork of a detached review. */
    reviewThreadId: z.string(),
  }),
);
export type ReviewStartResponse = z.infer<typeof ReviewStartResponseSchema>;
