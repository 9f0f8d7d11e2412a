import { describe, expect, it } from "vitest";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { reviewRepo } from "../support/git-repo.js";
import { jsonLines, keel, setup, userTexts } from "./support.js";

/** `keel exec review` (Codex `codex exec review`) against the scripted model, in a real repository. */

const REVIEW = JSON.stringify({
  findings: [
    {
      title: "[P1] Off-by-one in loop",
      body: "The loop skips the last element.\nSecond line.",
      confidence_score: 0.8,
      priority: 1,
      code_location: { absolute_file_path: "/x/a.txt", line_range: { start: 1, end: 2 } },
    },
    {
      title: "[P3] Nit",
      body: "Minor.",
      confidence_score: 0.3,
      priority: 3,
      code_location: { absolute_file_path: "/x/b.txt", line_range: { start: 4, end: 4 } },
    },
  ],
  overall_correctness: "patch is incorrect",
  overall_explanation: "Two issues found.",
  overall_confidence_score: 0.7,
});
/** What Codex 0.169 prints for REVIEW (captured). */
const RENDERED =
  "Two issues found.\n\nFull review comments:\n\n- [P1] Off-by-one in loop — /x/a.txt:1-2\n  The loop skips the last element.\n  Second line.\n\n- [P3] Nit — /x/b.txt:4-4\n  Minor.";

async function reviewSetup() {
  const s = await setup({ topLevel: { approval_policy: "never" } });
  return { ...s, git: reviewRepo(s.repo) };
}

describe("keel exec review", () => {
  it("prints the rendered review on stdout and names the target in the transcript", async () => {
    const s = await reviewSetup();
    s.server.enqueue(textTurn(REVIEW));
    const r = await keel(["exec", "review", "--uncommitted"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${RENDERED}\n`);
    expect(r.stderr).toContain("user\ncurrent changes\n");
    // The reviewer's own prompt is not echoed as a user line.
    expect(r.stderr).not.toContain("Review the current code changes");
    expect(userTexts(s.server.modelRequests()[0]!.body).at(-1)).toBe(
      "Review the current code changes (staged, unstaged, and untracked files) and provide prioritized findings.",
    );
  });

  it("--json: the reviewer's commands and the review as one agent message, as Codex prints them", async () => {
    const s = await reviewSetup();
    s.server.enqueue(turn([functionCall("exec_command", { cmd: "git diff" }, "call_1")]), textTurn(REVIEW));
    const r = await keel(["exec", "review", "--base", "main", "--json"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.item?.type ?? l.type)).toEqual([
      "thread.started",
      "turn.started",
      "command_execution",
      "command_execution",
      "agent_message",
      "turn.completed",
    ]);
    expect(lines[4]).toEqual({
      type: "item.completed",
      item: { id: "item_1", type: "agent_message", text: RENDERED },
    });
    // The reviewer's tokens are not the thread's.
    expect(lines[5].usage).toEqual({ input_tokens: 0, cached_input_tokens: 0, output_tokens: 0 });
    expect(userTexts(s.server.modelRequests()[0]!.body).at(-1)).toContain(
      `The merge base commit for this comparison is ${s.git.mainSha}.`,
    );
  });

  it("--commit with --title, and custom instructions from stdin", async () => {
    const s = await reviewSetup();
    s.server.enqueue(textTurn(REVIEW), textTurn("No issues."));
    const commit = await keel(["exec", "review", "--commit", s.git.featureSha, "--title", "second change"], {
      cwd: s.repo,
      env: s.env,
    });
    expect(commit.code).toBe(0);
    expect(commit.stderr).toContain(`user\ncommit ${s.git.featureSha.slice(0, 7)}: second change\n`);
    const custom = await keel(["exec", "review", "-"], {
      cwd: s.repo,
      env: s.env,
      stdin: "Check the docs only\n",
    });
    expect(custom.code).toBe(0);
    expect(custom.stdout).toBe("No issues.\n");
    expect(userTexts(s.server.modelRequests()[1]!.body).at(-1)).toBe("Check the docs only");
  });

  it("refuses a missing or ambiguous target with Codex's messages and exit codes", async () => {
    const s = await reviewSetup();
    const run = (...args: string[]) => keel(["exec", "review", ...args], { cwd: s.repo, env: s.env });
    const none = await run();
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      "Specify --uncommitted, --base, --commit, or provide custom review instructions",
    );
    const both = await run("--uncommitted", "--base", "main");
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("the argument '--uncommitted' cannot be used with '--base <BRANCH>'");
    const title = await run("--title", "x");
    expect(title.code).toBe(2);
    expect(title.stderr).toContain("'--title <TITLE>' requires '--commit <SHA>'");
    expect(s.server.modelRequests()).toHaveLength(0);
    expect(none.stderr + both.stderr + title.stderr).not.toMatch(/\n\s+at /);
  });
});
