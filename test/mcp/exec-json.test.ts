import { describe, expect, it } from "vitest";
import { ThreadEventSchema } from "../../src/protocol/exec-events.js";
import { jsonLines, keel, setup } from "../exec/support.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";
import { fixtureToml } from "./fixture.js";

/** `keel exec --json` shows MCP calls as Codex exec's `mcp_tool_call` items (spec mcp.md §8). */
describe("keel exec --json with an MCP server", () => {
  it("reports each call as item.started / item.completed mcp_tool_call", async () => {
    // `required` makes the session wait for the server, so the first request has its tools.
    const s = await setup({
      topLevel: { approval_policy: "never", sandbox_mode: "danger-full-access" },
      providerExtra: `\n${fixtureToml("fx", [], "required = true")}`,
    });
    s.server.enqueue(
      turn([
        functionCall("echo", { text: "hi" }, "c1", "mcp__fx"),
        functionCall("structured", {}, "c2", "mcp__fx"),
        functionCall("throw", {}, "c3", "mcp__fx"),
      ]),
      textTurn("done"),
    );
    const r = await keel(["exec", "--json", "--skip-git-repo-check", "go"], { cwd: s.repo, env: s.env });
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    for (const e of events) expect(ThreadEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    const mcp = events.filter((e) => e.item?.type === "mcp_tool_call");
    expect(mcp.slice(0, 4)).toEqual([
      {
        type: "item.started",
        item: {
          id: "item_0",
          type: "mcp_tool_call",
          server: "fx",
          tool: "echo",
          arguments: { text: "hi" },
          result: null,
          error: null,
          status: "in_progress",
        },
      },
      {
        type: "item.completed",
        item: {
          id: "item_0",
          type: "mcp_tool_call",
          server: "fx",
          tool: "echo",
          arguments: { text: "hi" },
          result: { content: [{ type: "text", text: "hi" }], structured_content: null },
          error: null,
          status: "completed",
        },
      },
      expect.objectContaining({ type: "item.started" }),
      {
        type: "item.completed",
        item: expect.objectContaining({
          id: "item_1",
          tool: "structured",
          result: { content: [{ type: "text", text: '{"answer":42}' }], structured_content: { answer: 42 } },
          status: "completed",
        }),
      },
    ]);
    expect(mcp.at(-1)).toMatchObject({
      type: "item.completed",
      item: { id: "item_2", tool: "throw", result: null, status: "failed" },
    });
    expect(mcp.at(-1)!.item.error.message).toMatch(/^tool call error: tool call failed for `fx\/throw`/);
  });
});

describe("keel exec with an MCP tool that needs approval", () => {
  it("declines the approval (nobody can answer) instead of waiting forever", async () => {
    const s = await setup({
      topLevel: { approval_policy: "on-request", sandbox_mode: "workspace-write" },
      providerExtra: `\n${fixtureToml("fx", [], "required = true")}`,
    });
    s.server.enqueue(turn([functionCall("plain", {}, "c1", "mcp__fx")]), textTurn("done"));
    const r = await keel(
      ["exec", "--json", "--skip-git-repo-check", "-c", 'approval_policy="on-request"', "go"],
      { cwd: s.repo, env: s.env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("an MCP server asked a question, but keel exec cannot ask; it was declined");
    const item = jsonLines(r.stdout).find(
      (e) => e.type === "item.completed" && e.item?.type === "mcp_tool_call",
    );
    expect(item.item).toMatchObject({
      tool: "plain",
      status: "failed",
      error: { message: "user rejected MCP tool call" },
    });
  }, 60_000);
});
