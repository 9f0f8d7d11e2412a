import { describe, expect, it } from "vitest";
import { functionCallTurn, stall, textTurn } from "../support/model-server.js";
import {
  type Fixture,
  fixture,
  type Peer,
  runTextTurn,
  stdioServer,
  text,
  turnCompleted,
} from "./support.js";

/**
 * thread/settings/update against the real `keel app-server`: the overrides of turn/start applied
 * without a turn, refused with the same errors, reported by `thread/settings/updated` (shapes as
 * observed on codex app-server 0.169; every message schema-checked by the fixture).
 */

describe("thread/settings/update", () => {
  it("changes model, effort, approvals and sandbox for later turns and reports them", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    const threadId = thread.id as string;

    expect(
      await peer.request("thread/settings/update", {
        threadId,
        model: "other-model",
        effort: "high",
        approvalPolicy: "never",
        sandboxPolicy: { type: "readOnly" },
      }),
    ).toEqual({});
    const updated = await peer.notification("thread/settings/updated", (p) => p.threadId === threadId);
    expect(updated.params.threadSettings).toMatchObject({
      model: "other-model",
      effort: "high",
      approvalPolicy: "never",
      sandboxPolicy: { type: "readOnly" },
      collaborationMode: { mode: "default", settings: { model: "other-model", reasoning_effort: "high" } },
      cwd: fx.workspace,
    });
    const trail = peer.trail();
    expect(trail.indexOf("thread/settings/updated")).toBeGreaterThan(trail.lastIndexOf("#2"));

    // The next turn uses them.
    await runTextTurn(fx, peer, threadId, "hi", "Hello.");
    const request = fx.model.modelRequests().at(-1)!.body;
    expect(request.model).toBe("other-model");
    expect(request.reasoning).toMatchObject({ effort: "high" });
    expect(await peer.request("thread/resume", { threadId })).toMatchObject({
      approvalPolicy: "never",
      sandbox: { type: "readOnly" },
      model: "other-model",
    });
  });

  it("refuses what turn/start refuses, and changes nothing", async () => {
    const fx = await fixture({
      requirements: 'allowed_sandbox_modes = ["read-only"]\nallowed_approval_policies = ["on-request"]\n',
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    const threadId = thread.id as string;
    const sandbox = await peer.call("thread/settings/update", {
      threadId,
      sandboxPolicy: { type: "workspaceWrite", writableRoots: [], networkAccess: false },
    });
    expect(sandbox.error.code).toBe(-32600);
    expect(sandbox.error.message).toMatch(/^invalid turn context override: .*sandbox/i);
    const approval = await peer.call("thread/settings/update", { threadId, approvalPolicy: "never" });
    expect(approval.error.message).toMatch(/^invalid turn context override: .*approval/i);
    expect(
      (
        await peer.call("thread/settings/update", {
          threadId,
          permissions: ":read-only",
          sandboxPolicy: { type: "readOnly" },
        })
      ).error,
    ).toEqual({
      code: -32600,
      message: "`permissions` cannot be combined with `sandboxPolicy`",
    });
    expect((await peer.call("thread/settings/update", { threadId: "nope", model: "x" })).error).toEqual({
      code: -32600,
      message: "thread not found: nope",
    });
    expect(await peer.request("thread/resume", { threadId })).toMatchObject({
      approvalPolicy: "on-request",
      sandbox: { type: "readOnly" },
    });
    expect(peer.trail()).not.toContain("thread/settings/updated");
  });
});

describe("turn/settings/update", () => {
  /** A turn whose first sampling (a command call) is held back while the test changes settings. */
  async function heldTurn(fx: Fixture, peer: Peer, threadId: string) {
    fx.model.enqueue(
      stall(functionCallTurn("exec_command", { cmd: "echo hi" }, "call_step1"), 1, 1500),
      textTurn("Done."),
    );
    const { turn } = await peer.request("turn/start", { threadId, input: text("go") });
    await peer.notification("turn/started", (p) => p.turn.id === turn.id);
    return turn.id as string;
  }

  it("with step_model_switching on, changes the rest of the running turn only (as Codex 0.169)", async () => {
    const fx = await fixture({ extraToml: "\n[features]\nstep_model_switching = true\n" });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    const threadId = thread.id as string;
    const before = fx.model.modelRequests().length;
    const turnId = await heldTurn(fx, peer, threadId);

    expect(
      await peer.request("turn/settings/update", {
        threadId,
        turnId,
        model: "switched-model",
        effort: "high",
      }),
    ).toEqual({ status: "applied" });
    expect(await peer.request("turn/settings/update", { threadId, turnId: "other", model: "x" })).toEqual({
      status: "targetUnavailable",
    });
    expect((await turnCompleted(peer, turnId)).params.turn.status).toBe("completed");
    const [first, second] = fx.model.modelRequests().slice(before);
    expect(first!.body.model).not.toBe("switched-model");
    expect(second!.body.model).toBe("switched-model");
    expect(second!.body.reasoning).toMatchObject({ effort: "high" });

    // Later turns keep the thread's settings; the finished turn is no target any more.
    await runTextTurn(fx, peer, threadId, "again", "Fine.");
    expect(fx.model.modelRequests().at(-1)!.body.model).toBe(first!.body.model);
    expect(await peer.request("turn/settings/update", { threadId, turnId, model: "x" })).toEqual({
      status: "targetUnavailable",
    });
  });

  it("refuses model fields without the feature, unknown fields, and an unknown thread", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    const threadId = thread.id as string;
    const turnId = await heldTurn(fx, peer, threadId);
    const gate = "turn settings updates require the step_model_switching feature";
    for (const change of [{ model: "m" }, { effort: "high" }, { serviceTier: null }, {}]) {
      const answer = await peer.call("turn/settings/update", { threadId, turnId, ...change });
      expect(answer.error).toEqual({ code: -32600, message: gate });
    }
    // A reviewer change alone is not gated.
    expect(
      await peer.request("turn/settings/update", { threadId, turnId, approvalsReviewer: "user" }),
    ).toEqual({
      status: "applied",
    });
    const unknown = await peer.call("turn/settings/update", {
      threadId,
      turnId,
      sandboxPolicy: { type: "readOnly" },
    });
    expect(unknown.error.code).toBe(-32600);
    expect(unknown.error.message).toContain("sandboxPolicy");
    const missing = "00000000-0000-4000-8000-000000000000";
    expect(
      (await peer.call("turn/settings/update", { threadId: missing, turnId, model: "m" })).error,
    ).toEqual({
      code: -32600,
      message: `thread not found: ${missing}`,
    });
    await turnCompleted(peer, turnId);
  });
});
