import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, inProcessServer } from "./support.js";

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
