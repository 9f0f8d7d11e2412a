import type { ReviewTarget } from "../../protocol/review.js";
import { ThreadForkParamsSchema } from "../../protocol/v2/thread.js";
import type { ReviewStartParams } from "../../protocol/v2/review.js";
import type { Turn } from "../../protocol/v2/turn.js";
import { ReviewRequestError, reviewHint } from "../../review/prompts.js";
import type { Connection } from "../connection.js";
import { invalidRequest } from "../errors.js";
import type { HandlerModule } from "../router.js";
import type { Engine } from "./engine.js";
import { afterResponse } from "./outbox.js";
import { forkThread } from "./thread-lifecycle.js";
import { wire } from "./wire-errors.js";

/** review/start (Codex `/review`): the review runs as a turn of its own in the thread. */

/** Codex's messages for a target it cannot review. */
function emptyFieldProblem(target: ReviewTarget): string | null {
  switch (target.type) {
    case "baseBranch":
      return target.branch.trim() === "" ? "branch must not be empty" : null;
    case "commit":
      return target.sha.trim() === "" ? "sha must not be empty" : null;
    case "custom":
      return target.instructions.trim() === "" ? "instructions must not be empty" : null;
    case "uncommittedChanges":
      return null;
  }
}

/** A detached review [seed] runs in a fork of the thread, announced with `thread/started`. */
async function reviewThread(engine: Engine, params: ReviewStartParams, connection: Connection) {
  const parent = engine.require(params.threadId);
  if (params.delivery !== "detached") return parent;
  const forked = await forkThread(engine, ThreadForkParamsSchema.parse({ threadId: parent.id }), connection);
  return engine.require(forked.thread.id);
}

async function startReview(engine: Engine, params: ReviewStartParams, connection: Connection) {
  const problem = emptyFieldProblem(params.target);
  if (problem) throw invalidRequest(problem);
  const thread = await reviewThread(engine, params, connection);
  const release = thread.outbox.hold();
  try {
    const turnId = await thread.session.review(params.target).catch((error: unknown) => {
      throw error instanceof ReviewRequestError ? invalidRequest(error.message) : error;
    });
    // As Codex: the response's turn carries the review's name as a user message with the turn's id.
    const turn: Turn = {
      id: turnId,
      items: [
        {
          type: "userMessage",
          id: turnId,
          content: [{ type: "text", text: reviewHint(params.target), text_elements: [] }],
        },
      ],
      status: "inProgress",
      error: null,
      startedAt: null,
      completedAt: null,
      durationMs: null,
    };
    return { turn, reviewThreadId: thread.id };
  } finally {
    afterResponse(release);
  }
}

export function reviewHandlers(engine: Engine): HandlerModule {
  return {
    resource: "review",
    handlers: {
      "review/start": (params, { connection }) => wire(() => startReview(engine, params, connection)),
    },
  };
}
