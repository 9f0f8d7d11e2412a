import { describe, expect, it } from "vitest";
import { fixture, runTextTurn, stdioServer } from "./support.js";

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
