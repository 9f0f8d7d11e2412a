import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, message, turn } from "../support/model-server.js";
import { tempDirOutsideProjects } from "../support/tmp.js";
import { fixture, inProcessServer, text, turnCompleted } from "./support.js";

/**
 * `permissions/explain` (issue 18, keel only, experimental): `keel permissions explain` for a
 * loaded thread, answered from the thread's active policy. Every message is checked against the
 * schemas by the fixture's checker.
 */
describe("permissions/explain", () => {
  it("answers from the thread's own policy, including later settings updates", async () => {
    const fx = await fixture();
    const peer = inProcessServer(fx).connect();
    await peer.initialize();
    fs.writeFileSync(path.join(fx.workspace, "notes.txt"), "x");
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace, sandbox: "workspace-write" });
    const threadId = thread.id as string;

    const inside = await peer.request("permissions/explain", { threadId, path: "notes.txt" });
    expect(inside).toEqual({
      path: path.join(fx.workspace, "notes.txt"),
      read: true,
      write: true,
      reason: expect.stringContaining("entry "),
      source: expect.toBeOneOf([null, expect.any(String)]),
    });
    const git = await peer.request("permissions/explain", {
      threadId,
      path: path.join(fx.workspace, ".git"),
    });
    expect(git).toMatchObject({ read: true, write: false });
    expect(git.reason).toBe(
      `protected path ${path.join(fx.workspace, ".git")} inside writable root ${fx.workspace}`,
    );

    // The session's policy decides, not the configuration as loaded at start.
    await peer.request("thread/settings/update", { threadId, sandboxPolicy: { type: "readOnly" } });
    const readOnly = await peer.request("permissions/explain", { threadId, path: "notes.txt" });
    expect(readOnly).toMatchObject({ path: path.join(fx.workspace, "notes.txt"), read: true, write: false });

    await peer.request("thread/settings/update", { threadId, sandboxPolicy: { type: "dangerFullAccess" } });
    expect(await peer.request("permissions/explain", { threadId, path: "/etc/hostname" })).toEqual({
      path: "/etc/hostname",
      read: true,
      write: true,
      reason: "no filesystem sandbox (full access)",
      source: expect.toBeOneOf([null, expect.any(String)]),
    });
  });

  it("reflects request_permissions grants: the running turn's while it runs, the session's after", async () => {
    const fx = await fixture({
      extraToml: "\n[features]\nrequest_permissions_tool = true\nsuppress_unstable_features_warning = true\n",
    });
    const turnDir = tempDirOutsideProjects("keel-turn-grant-");
    const sessionDir = tempDirOutsideProjects("keel-session-grant-");
    const peer = inProcessServer(fx).connect();
    await peer.initialize();
    const { thread } = await peer.request("thread/start", {
      cwd: fx.workspace,
      sandbox: "workspace-write",
      approvalPolicy: "on-request",
    });
    const threadId = thread.id as string;
    const ask = (dir: string, callId: string) =>
      functionCall("request_permissions", { permissions: { file_system: { write: [dir] } } }, callId);
    const explain = async (dir: string) =>
      (await peer.request("permissions/explain", { threadId, path: path.join(dir, "f") })).write;
    fx.model.enqueue(
      turn([ask(turnDir, "call_turn")]),
      turn([ask(sessionDir, "call_session")]),
      turn([message("done")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("one") });
    const first = await peer.serverRequest("item/permissions/requestApproval");
    expect(await explain(turnDir)).toBe(false);
    peer.send({ id: first.id, result: { permissions: first.params.permissions, scope: "turn" } });
    // The second question holds the turn open: the turn grant is in force now.
    const second = await peer.next(
      (m) => m.method === "item/permissions/requestApproval" && m.id !== first.id,
    );
    expect(await explain(turnDir)).toBe(true);
    expect(await explain(sessionDir)).toBe(false);
    peer.send({ id: second.id, result: { permissions: second.params.permissions, scope: "session" } });
    await turnCompleted(peer, started.turn.id);
    // The turn is over: its grant is gone, the session grant stays.
    expect(await explain(turnDir)).toBe(false);
    expect(await explain(sessionDir)).toBe(true);
  });

  it("needs experimentalApi, a loaded thread and a non-empty path", async () => {
    const fx = await fixture();
    const { connect } = inProcessServer(fx);
    const plain = connect("plain");
    await plain.initialize("plain", {});
    const gated = await plain.call("permissions/explain", { threadId: "x", path: "/" });
    expect(gated.error?.message).toBe("permissions/explain requires experimentalApi capability");

    const peer = connect();
    await peer.initialize();
    const missing = await peer.call("permissions/explain", {
      threadId: "00000000-0000-0000-0000-000000000000",
      path: "/",
    });
    expect(missing.error?.message).toMatch(/thread not found/);
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    const empty = await peer.call("permissions/explain", { threadId: thread.id, path: "" });
    expect(empty.error).toMatchObject({ code: -32600, message: expect.stringContaining("path") });
  });
});
