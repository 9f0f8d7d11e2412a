import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, stall, textTurn, turn } from "../support/model-server.js";
import { reviewRepo } from "../support/git-repo.js";
import {
  type Fixture,
  fixture,
  type Message,
  type Peer,
  stdioServer,
  text,
  turnCompleted,
} from "./support.js";

/**
 * review/start over the built server's stdio (Codex `/review`): every message is checked against
 * keel's and Codex 0.169's schemas by the fixture. The workspace is a real repository.
 */

const FINDINGS = {
  findings: [
    {
      title: "[P1] Off-by-one in loop",
      body: "The loop skips the last element.",
      confidence_score: 0.8,
      priority: 1,
      code_location: { absolute_file_path: "/w/a.txt", line_range: { start: 1, end: 2 } },
    },
  ],
  overall_correctness: "patch is incorrect",
  overall_explanation: "One bug found.",
  overall_confidence_score: 0.7,
};
const RENDERED =
  "One bug found.\n\nReview comment:\n\n- [P1] Off-by-one in loop — /w/a.txt:1-2\n  The loop skips the last element.";
const UNCOMMITTED_PROMPT =
  "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings.";

async function open(fx: Fixture, label = "stdio"): Promise<{ peer: Peer; threadId: string }> {
  const { peer } = stdioServer(fx, label);
  await peer.initialize();
  const start = await peer.request("thread/start", { cwd: fx.workspace });
  await peer.notification("thread/started");
  return { peer, threadId: start.thread.id as string };
}

/** The user-role texts of a model request. */
// biome-ignore lint/suspicious/noExplicitAny: request bodies are arbitrary JSON
function texts(body: any, role: string): string[] {
  return (body.input as Message[])
    .filter((i) => i.type === "message" && i.role === role)
    .map((m) => (m.content as { text?: string }[]).map((c) => c.text ?? "").join(""));
}

/** Items of the `item/completed` notifications of one turn, in order. */
function completedItems(peer: Peer, turnId: string): Message[] {
  return peer.received
    .filter((m) => m.method === "item/completed" && m.params.turnId === turnId)
    .map((m) => m.params.item);
}

async function reviewFixture() {
  const fx = await fixture({ topLevel: { approval_policy: "never" } });
  const repo = reviewRepo(fx.workspace);
  fs.writeFileSync(path.join(fx.workspace, "AGENTS.md"), "PARENT-ONLY-INSTRUCTIONS\n");
  return { fx, repo };
}

describe("review/start", () => {
  it("reviews uncommitted changes inline: Codex's items, a reviewer with its own history, the review kept for a follow-up", async () => {
    const { fx } = await reviewFixture();
    const { peer, threadId } = await open(fx);
    fx.model.enqueue(textTurn(JSON.stringify(FINDINGS)));
    const result = await peer.request("review/start", { threadId, target: { type: "uncommittedChanges" } });
    const turnId = result.turn.id as string;
    expect(result).toEqual({
      reviewThreadId: threadId,
      turn: {
        id: turnId,
        items: [
          {
            type: "userMessage",
            id: turnId,
            content: [{ type: "text", text: "current changes", text_elements: [] }],
          },
        ],
        status: "inProgress",
        error: null,
        startedAt: null,
        completedAt: null,
        durationMs: null,
      },
    });
    const completed = await turnCompleted(peer, turnId);
    expect(completed.params.turn.status).toBe("completed");
    const started = peer.received.find((m) => m.method === "turn/started");
    expect(started?.params.turn.id).toBe(turnId);

    const items = completedItems(peer, turnId);
    expect(items.map((i) => i.type)).toEqual([
      "enteredReviewMode",
      "userMessage",
      "exitedReviewMode",
      "agentMessage",
    ]);
    expect(items[0]).toMatchObject({ type: "enteredReviewMode", review: "current changes" });
    expect(items[1]!.content).toEqual([{ type: "text", text: UNCOMMITTED_PROMPT, text_elements: [] }]);
    expect(items[2]).toMatchObject({ type: "exitedReviewMode", review: RENDERED });
    expect(items[3]).toMatchObject({ type: "agentMessage", text: RENDERED });
    // The reviewer's raw JSON never reaches the client.
    expect(JSON.stringify(peer.received)).not.toContain('\\"findings\\"');

    // The reviewer: the rubric as base instructions (the first developer message, as Codex 0.169
    // sends them), only its prompt as user text, no AGENTS.md.
    const reviewer = fx.model.modelRequests()[0]!.body;
    const rubric = texts(reviewer, "developer")[0];
    expect(rubric).toMatch(/^# Review guidelines:/);
    expect(rubric).toContain('"overall_correctness": "patch is correct" | "patch is incorrect"');
    expect(texts(reviewer, "user").at(-1)).toBe(UNCOMMITTED_PROMPT);
    expect(JSON.stringify(reviewer)).not.toContain("PARENT-ONLY-INSTRUCTIONS");

    // A follow-up turn sees the review as two messages, not the reviewer's own history.
    fx.model.enqueue(textTurn("Fixed."));
    const next = await peer.request("turn/start", { threadId, input: text("fix the first one") });
    await turnCompleted(peer, next.turn.id);
    const follow = fx.model.modelRequests()[1]!.body;
    const users = texts(follow, "user");
    expect(users).toContainEqual(expect.stringContaining("<action>review</action>"));
    expect(users.find((t) => t.includes("<action>review</action>"))).toContain(
      "One bug found.\n\nReview comment:\n\n- [P1] Off-by-one in loop — /w/a.txt:1-2",
    );
    expect(texts(follow, "assistant")).toContain(RENDERED);
    expect(JSON.stringify(follow)).not.toContain(UNCOMMITTED_PROMPT);
    expect(JSON.stringify(follow)).toContain("PARENT-ONLY-INSTRUCTIONS");
    // Codex keeps the reviewer off the web; the thread's own turns keep web search.
    const tools = (body: Message) => (body.tools as Message[]).map((t) => t.type);
    expect(tools(follow)).toContain("web_search");
    expect(tools(reviewer)).not.toContain("web_search");
  });

  it("asks about a base branch with its merge base, and a commit with its title", async () => {
    const { fx, repo } = await reviewFixture();
    const { peer, threadId } = await open(fx);
    fx.model.enqueue(textTurn(JSON.stringify(FINDINGS)), textTurn(JSON.stringify(FINDINGS)));

    const base = await peer.request("review/start", {
      threadId,
      target: { type: "baseBranch", branch: "main" },
    });
    expect(base.turn.items[0].content[0].text).toBe("changes against 'main'");
    await turnCompleted(peer, base.turn.id);
    expect(texts(fx.model.modelRequests()[0]!.body, "user").at(-1)).toBe(
      `Review the code changes against the base branch 'main'. The merge base commit for this comparison is ${repo.mainSha}. Run \`git diff ${repo.mainSha}\` to inspect the changes relative to main. Provide prioritized, actionable findings.`,
    );

    const commit = await peer.request("review/start", {
      threadId,
      target: { type: "commit", sha: repo.featureSha, title: "second change" },
    });
    expect(commit.turn.items[0].content[0].text).toBe(`commit ${repo.featureSha.slice(0, 7)}: second change`);
    await turnCompleted(peer, commit.turn.id);
    expect(texts(fx.model.modelRequests()[1]!.body, "user").at(-1)).toBe(
      `Review the code changes introduced by commit ${repo.featureSha} ("second change"). Provide prioritized, actionable findings.`,
    );
  });

  it("an unknown base branch gets the prompt that explains how to find the merge base", async () => {
    const { fx } = await reviewFixture();
    const { peer, threadId } = await open(fx);
    fx.model.enqueue(textTurn("{}"));
    const r = await peer.request("review/start", {
      threadId,
      target: { type: "baseBranch", branch: "nope" },
    });
    await turnCompleted(peer, r.turn.id);
    expect(texts(fx.model.modelRequests()[0]!.body, "user").at(-1)).toContain(
      'Start by finding the merge diff between the current branch and nope\'s upstream e.g. (`git merge-base HEAD "$(git rev-parse --abbrev-ref "nope@{upstream}")"`)',
    );
    // An answer with neither explanation nor findings.
    const exited = completedItems(peer, r.turn.id).find((i) => i.type === "exitedReviewMode");
    expect(exited?.review).toBe("Reviewer failed to output a response.");
  });

  it("custom instructions are the prompt; empty fields are refused with Codex's messages", async () => {
    const { fx } = await reviewFixture();
    const { peer, threadId } = await open(fx);
    const refused = async (target: unknown) => (await peer.call("review/start", { threadId, target })).error;
    expect(await refused({ type: "custom", instructions: "  " })).toMatchObject({
      code: -32600,
      message: "instructions must not be empty",
    });
    expect(await refused({ type: "baseBranch", branch: " " })).toMatchObject({
      message: "branch must not be empty",
    });
    expect(await refused({ type: "commit", sha: "" })).toMatchObject({ message: "sha must not be empty" });
    expect(fx.model.modelRequests()).toHaveLength(0);

    // A reviewer that answers in prose: the text is the review.
    fx.model.enqueue(textTurn("Looks fine, nothing to flag."));
    const r = await peer.request("review/start", {
      threadId,
      target: { type: "custom", instructions: "  Check the docs only \n" },
    });
    expect(r.turn.items[0].content[0].text).toBe("Check the docs only");
    await turnCompleted(peer, r.turn.id);
    expect(texts(fx.model.modelRequests()[0]!.body, "user").at(-1)).toBe("Check the docs only");
    const items = completedItems(peer, r.turn.id);
    expect(items.find((i) => i.type === "exitedReviewMode")?.review).toBe("Looks fine, nothing to flag.");
  });

  it("the reviewer's commands show in the thread; a turn cannot be steered into the review", async () => {
    const { fx } = await reviewFixture();
    const { peer, threadId } = await open(fx);
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: "git diff" }, "call_diff")]),
      stall(textTurn(JSON.stringify(FINDINGS)), 1, 1500),
    );
    const r = await peer.request("review/start", { threadId, target: { type: "uncommittedChanges" } });
    const command = await peer.notification("item/completed", (p) => p.item.type === "commandExecution");
    expect(command.params.turnId).toBe(r.turn.id);
    expect(command.params.item.aggregatedOutput).toContain("+three");
    const steer = await peer.call("turn/start", { threadId, input: text("also this") });
    expect(steer.error).toMatchObject({
      message: "cannot steer a review turn",
      data: { codexErrorInfo: { activeTurnNotSteerable: { turnKind: "review" } } },
    });
    await turnCompleted(peer, r.turn.id);
    const second = fx.model.modelRequests()[1]!.body;
    expect(JSON.stringify(second.input)).toContain("+three");
  });

  it("an interrupted review ends the turn with Codex's interrupted texts", async () => {
    const { fx } = await reviewFixture();
    const { peer, threadId } = await open(fx);
    fx.model.enqueue(stall(textTurn(JSON.stringify(FINDINGS)), 1, 30_000));
    const r = await peer.request("review/start", { threadId, target: { type: "uncommittedChanges" } });
    await fx.model.waitForModelRequests(1);
    await peer.request("turn/interrupt", { threadId, turnId: r.turn.id });
    const completed = await turnCompleted(peer, r.turn.id);
    expect(completed.params.turn.status).toBe("interrupted");
    const items = completedItems(peer, r.turn.id);
    expect(items.find((i) => i.type === "exitedReviewMode")?.review).toBe(
      "Reviewer failed to output a response.",
    );
    expect(items.at(-1)).toMatchObject({
      type: "agentMessage",
      text: "Review was interrupted. Please re-run /review and wait for it to complete.",
    });
  });

  it("a detached review runs in a fork announced with thread/started; the source thread is untouched", async () => {
    const { fx } = await reviewFixture();
    const { peer, threadId } = await open(fx);
    fx.model.enqueue(textTurn("first answer"), textTurn(JSON.stringify(FINDINGS)));
    const first = await peer.request("turn/start", { threadId, input: text("hello") });
    await turnCompleted(peer, first.turn.id);

    const r = await peer.request("review/start", {
      threadId,
      target: { type: "uncommittedChanges" },
      delivery: "detached",
    });
    expect(r.reviewThreadId).not.toBe(threadId);
    const forked = await peer.notification("thread/started", (p) => p.thread.id === r.reviewThreadId);
    expect(forked.params.thread.forkedFromId).toBe(threadId);
    const done = await turnCompleted(peer, r.turn.id);
    expect(done.params.threadId).toBe(r.reviewThreadId);

    // The reviewer does not see the source thread's conversation.
    expect(JSON.stringify(fx.model.modelRequests()[1]!.body)).not.toContain("first answer");
    const source = await peer.request("thread/read", { threadId, includeTurns: true });
    expect(source.thread.turns).toHaveLength(1);
    const fork = await peer.request("thread/read", { threadId: r.reviewThreadId, includeTurns: true });
    expect(fork.thread.turns).toHaveLength(2);
  });

  it("the review is in the rollout: a new server rebuilds the turn's review items", async () => {
    const { fx } = await reviewFixture();
    const { peer, threadId } = await open(fx);
    fx.model.enqueue(textTurn(JSON.stringify(FINDINGS)));
    const r = await peer.request("review/start", { threadId, target: { type: "uncommittedChanges" } });
    await turnCompleted(peer, r.turn.id);
    peer.close();

    const other = stdioServer(fx, "second").peer;
    await other.initialize();
    const resumed = await other.request("thread/resume", { threadId });
    const rebuilt = resumed.thread.turns.at(-1);
    expect(rebuilt.id).toBe(r.turn.id);
    expect(rebuilt.status).toBe("completed");
    const kinds = rebuilt.items.map((i: Message) => i.type);
    expect(kinds).toEqual(["enteredReviewMode", "userMessage", "exitedReviewMode", "agentMessage"]);
    expect(rebuilt.items[0].review).toBe("current changes");
    expect(rebuilt.items[2].review).toBe(RENDERED);
    expect(rebuilt.items[3].text).toBe(RENDERED);
  });
});
