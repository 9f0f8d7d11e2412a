import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CommandExecutionRequestApprovalResponseSchema,
  FileChangeRequestApprovalResponseSchema,
  McpServerElicitationRequestResponseSchema,
  PermissionsRequestApprovalResponseSchema,
  ToolRequestUserInputResponseSchema,
} from "../../src/protocol/v2/approvals.js";
import type { Thread } from "../../src/protocol/v2/thread.js";
import { decisionsFor } from "../../web/src/approvals.js";
import { classifyUnified, diffLines } from "../../web/src/diff.js";
import type { Notification, ServerRequest } from "../../web/src/protocol.js";
import { addRequest, applyNotification, emptyView, resolveRequest } from "../../web/src/thread-state.js";

// The page's pure parts (the thread view reducer, decisions, diff colouring) run in Node here;
// the browser tests in this folder drive them through the real page.

const thread: Thread = {
  id: "t1",
  forkedFromId: null,
  preview: "",
  ephemeral: false,
  modelProvider: "mock",
  createdAt: 1,
  updatedAt: 1,
  status: { type: "idle" },
  path: null,
  cwd: "/w",
  cliVersion: "0",
  source: "appServer",
  agentNickname: null,
  agentRole: null,
  gitInfo: null,
  name: null,
  turns: [],
  sessionId: "t1",
  projectId: null,
};

const scope = { threadId: "t1", turnId: "u1" };

function started(item: Record<string, unknown>): Notification {
  return { method: "item/started", params: { ...scope, item, startedAtMs: 1 } } as Notification;
}

function completed(item: Record<string, unknown>): Notification {
  return { method: "item/completed", params: { ...scope, item, completedAtMs: 2 } } as Notification;
}

function agentItem(text: string) {
  return { type: "agentMessage", id: "m1", text, phase: null, memoryCitation: null };
}

function commandItem(aggregatedOutput: string | null) {
  return {
    type: "commandExecution",
    id: "c1",
    command: "ls",
    cwd: "/w",
    processId: null,
    source: "agent",
    status: aggregatedOutput === null ? "inProgress" : "completed",
    commandActions: [],
    aggregatedOutput,
    exitCode: aggregatedOutput === null ? null : 0,
    durationMs: null,
  };
}

/** Splits text at the given cut points into consecutive pieces. */
function pieces(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const p of points) {
    out.push(text.slice(last, p));
    last = p;
  }
  out.push(text.slice(last));
  return out;
}

describe("thread view reducer", () => {
  it("streamed agent-message deltas add up to the text, however they are cut", () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.nat()), (text, cuts) => {
        let view = applyNotification(emptyView(thread, null), started(agentItem("")));
        for (const delta of pieces(text, cuts))
          view = applyNotification(view, {
            method: "item/agentMessage/delta",
            params: { ...scope, itemId: "m1", delta },
          });
        const item = view.turns[0]!.items[0]!;
        expect(item.item.type === "agentMessage" && item.item.text).toBe(text);
        expect(item.completed).toBe(false);
        view = applyNotification(view, completed(agentItem(text)));
        expect(view.turns[0]!.items).toHaveLength(1);
        expect(view.turns[0]!.items[0]!.completed).toBe(true);
      }),
    );
  });

  it("command output deltas accumulate and the completed item does not lose or double them", () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.nat()), (output, cuts) => {
        let view = applyNotification(emptyView(thread, null), started(commandItem(null)));
        for (const delta of pieces(output, cuts))
          view = applyNotification(view, {
            method: "item/commandExecution/outputDelta",
            params: { ...scope, itemId: "c1", delta },
          });
        expect(view.turns[0]!.items[0]!.output).toBe(output);
        view = applyNotification(view, completed(commandItem(output)));
        expect(view.turns[0]!.items[0]!.output).toBe(output);
      }),
    );
  });

  it("a turn/completed with empty items keeps the items that streamed in", () => {
    let view = applyNotification(emptyView(thread, null), started(agentItem("hi")));
    view = applyNotification(view, {
      method: "turn/completed",
      params: {
        threadId: "t1",
        turn: {
          id: "u1",
          items: [],
          status: "interrupted",
          error: null,
          startedAt: 1,
          completedAt: 2,
          durationMs: 1,
        },
      },
    });
    expect(view.turns).toHaveLength(1);
    expect(view.turns[0]!.status).toBe("interrupted");
    expect(view.turns[0]!.items).toHaveLength(1);
  });

  it("an approval answered here stays answered here when serverRequest/resolved follows", () => {
    const request = {
      id: 7,
      method: "item/fileChange/requestApproval",
      params: { ...scope, itemId: "p1", startedAtMs: 1 },
    } as ServerRequest;
    let view = addRequest(emptyView(thread, null), request);
    view = addRequest(view, request);
    expect(view.requests).toHaveLength(1);
    view = resolveRequest(view, 7, { by: "here", choice: "Apply" });
    view = applyNotification(view, {
      method: "serverRequest/resolved",
      params: { threadId: "t1", requestId: 7 },
    });
    expect(view.requests[0]!.resolved).toEqual({ by: "here", choice: "Apply" });
    // Another tab answering first shows as resolved elsewhere.
    let other = addRequest(emptyView(thread, null), request);
    other = applyNotification(other, {
      method: "serverRequest/resolved",
      params: { threadId: "t1", requestId: 7 },
    });
    expect(other.requests[0]!.resolved).toEqual({ by: "elsewhere" });
  });
});

describe("approval decisions", () => {
  const base = { ...scope, itemId: "c1", startedAtMs: 1 };

  it("offers every command decision the server lists, in order, each answer valid on the wire", () => {
    const offered = [
      "accept",
      "acceptForSession",
      { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["npm", "test"] } },
      { applyNetworkPolicyAmendment: { network_policy_amendment: { host: "example.com", action: "allow" } } },
      { applyNetworkPolicyAmendment: { network_policy_amendment: { host: "evil.test", action: "deny" } } },
      "decline",
      "cancel",
    ] as const;
    const request = {
      id: 1,
      method: "item/commandExecution/requestApproval",
      params: { ...base, command: "npm test", availableDecisions: [...offered] },
    } as ServerRequest;
    const decisions = decisionsFor(request, {});
    expect(decisions.map((d) => (d.result as { decision: unknown }).decision)).toEqual(offered);
    expect(decisions.map((d) => d.key)).toEqual([
      "accept",
      "acceptForSession",
      "acceptWithExecpolicyAmendment",
      "applyNetworkPolicyAmendment",
      "applyNetworkPolicyAmendment",
      "decline",
      "cancel",
    ]);
    for (const d of decisions) CommandExecutionRequestApprovalResponseSchema.parse(d.result);
  });

  it("without availableDecisions, offers the proposed amendments between accept and decline", () => {
    const request = {
      id: 1,
      method: "item/commandExecution/requestApproval",
      params: { ...base, command: "git push", proposedExecpolicyAmendment: ["git", "push"] },
    } as ServerRequest;
    const keys = decisionsFor(request, {}).map((d) => d.key);
    expect(keys).toEqual([
      "accept",
      "acceptForSession",
      "acceptWithExecpolicyAmendment",
      "decline",
      "cancel",
    ]);
  });

  it("file change, permissions, elicitation and question answers match their schemas", () => {
    const fileChange = { id: 2, method: "item/fileChange/requestApproval", params: base } as ServerRequest;
    for (const d of decisionsFor(fileChange, {})) FileChangeRequestApprovalResponseSchema.parse(d.result);
    const permissions = {
      id: 3,
      method: "item/permissions/requestApproval",
      params: { ...base, cwd: "/w", reason: null, permissions: { network: { enabled: true } } },
    } as ServerRequest;
    const granted = decisionsFor(permissions, {});
    for (const d of granted) PermissionsRequestApprovalResponseSchema.parse(d.result);
    expect(granted.map((d) => (d.result as { scope: string }).scope)).toEqual(["turn", "session", "turn"]);
    const elicitation = {
      id: 4,
      method: "mcpServer/elicitation/request",
      params: {
        threadId: "t1",
        turnId: "u1",
        serverName: "docs",
        mode: "form",
        message: "Which?",
        requestedSchema: { type: "object", properties: { n: { type: "integer" }, ok: { type: "boolean" } } },
      },
    } as ServerRequest;
    const answers = decisionsFor(elicitation, { n: "3", ok: "true" });
    for (const d of answers) McpServerElicitationRequestResponseSchema.parse(d.result);
    expect(answers[0]!.result).toEqual({ action: "accept", content: { n: 3, ok: true } });
    const questions = {
      id: 5,
      method: "item/tool/requestUserInput",
      params: {
        ...scope,
        itemId: "q",
        isBlocking: true,
        questions: [{ id: "a", header: "A", question: "?", isOther: false, isSecret: false, options: null }],
      },
    } as ServerRequest;
    const reply = decisionsFor(questions, { a: "yes" })[0]!.result;
    ToolRequestUserInputResponseSchema.parse(reply);
    expect(reply).toEqual({ answers: { a: { answers: ["yes"] } } });
  });
});

describe("diff colouring", () => {
  it("inside a hunk, a removed line that starts with -- is a removal, not a header", () => {
    const lines = classifyUnified([
      "--- a/x",
      "+++ b/x",
      "@@ -1,2 +1,2 @@",
      "--- old rule",
      "+++ new rule",
      " same",
    ]);
    expect(lines.map((l) => l.kind)).toEqual(["meta", "meta", "hunk", "del", "add", "ctx"]);
  });

  it("classifies every line and keeps their text (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string().filter((s) => !s.includes("\n"))), (lines) => {
        const out = classifyUnified(["@@ -1 +1 @@", ...lines]);
        expect(out.map((l) => l.text)).toEqual(["@@ -1 +1 @@", ...lines]);
        for (const [i, l] of out.slice(1).entries()) {
          const text = lines[i]!;
          if (text.startsWith("+")) expect(l.kind).toBe("add");
          else if (text.startsWith("-")) expect(l.kind).toBe("del");
        }
      }),
    );
  });

  it("shows an added file's content as added lines", () => {
    const lines = diffLines({ path: "a.txt", kind: { type: "add" }, diff: "one\ntwo\n" });
    expect(lines).toEqual([
      { kind: "add", text: "+one" },
      { kind: "add", text: "+two" },
    ]);
  });
});
