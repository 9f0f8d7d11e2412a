import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, message, turn } from "../support/model-server.js";
import { tempDirOutsideProjects } from "../support/tmp.js";
import { fixture, type Peer, stdioServer, text, turnCompleted } from "./support.js";

/**
 * `thread/approvals/list` / `thread/approvals/revoke` (issue 16): what the session remembers
 * granting, through the real app-server, a scripted model and real bwrap.
 */

const bin = path.resolve(import.meta.dirname, "../../bin/keel");

const exec = (cmd: string, callId: string, extra: Record<string, unknown> = {}) =>
  functionCall("exec_command", { cmd, yield_time_ms: 2000, ...extra }, callId);

const approvalRequests = (peer: Peer) =>
  peer.received.filter((m) => m.method === "item/commandExecution/requestApproval");

async function startThread(peer: Peer, cwd: string): Promise<string> {
  await peer.initialize();
  const result = await peer.request("thread/start", {
    cwd,
    approvalPolicy: "on-request",
    sandbox: "read-only",
  });
  return result.thread.id as string;
}

describe("remembered approvals over the app-server", () => {
  it("a command approved for the session is listed; once revoked, the same command asks again", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);
    const escalated = { sandbox_permissions: "require_escalated", justification: "ok?" };
    fx.model.enqueue(turn([exec("echo one", "call_1", escalated)]), turn([message("done")]));
    const first = await peer.request("turn/start", { threadId, input: text("echo") });
    const asked = await peer.serverRequest("item/commandExecution/requestApproval");
    peer.send({ id: asked.id, result: { decision: "acceptForSession" } });
    await turnCompleted(peer, first.turn.id);

    const listed = await peer.request("thread/approvals/list", { threadId });
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({
      kind: "command",
      command: ["/bin/bash", "-lc", "echo one"],
      cwd: fx.workspace,
      unsandboxed: true,
      source: "session",
    });

    // Still remembered: the same command runs unasked.
    fx.model.enqueue(turn([exec("echo one", "call_2", escalated)]), turn([message("done")]));
    const second = await peer.request("turn/start", { threadId, input: text("again") });
    await turnCompleted(peer, second.turn.id);
    expect(approvalRequests(peer)).toHaveLength(1);

    const revoked = await peer.request("thread/approvals/revoke", { threadId, id: listed.data[0].id });
    expect(revoked).toEqual({ revoked: true });
    expect((await peer.request("thread/approvals/list", { threadId })).data).toEqual([]);
    expect(await peer.request("thread/approvals/revoke", { threadId, id: listed.data[0].id })).toEqual({
      revoked: false,
    });

    fx.model.enqueue(turn([exec("echo one", "call_3", escalated)]), turn([message("done")]));
    const third = await peer.request("turn/start", { threadId, input: text("once more") });
    const askedAgain = await peer.serverRequest("item/commandExecution/requestApproval");
    peer.send({ id: askedAgain.id, result: { decision: "decline" } });
    await turnCompleted(peer, third.turn.id);
    expect(approvalRequests(peer)).toHaveLength(2);
  });

  it("an accepted amendment is listed; revoking it removes the default.rules line and the rule", async () => {
    const fx = await fixture();
    const outside = tempDirOutsideProjects("keel-remembered-out-");
    const rules = path.join(fx.home, "rules", "default.rules");
    fs.mkdirSync(path.dirname(rules), { recursive: true });
    fs.writeFileSync(rules, "# mine\n");
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);
    const touch = (name: string, callId: string) =>
      exec(`touch ${outside}/${name}`, callId, {
        sandbox_permissions: "require_escalated",
        justification: "touch?",
        prefix_rule: ["touch"],
      });
    fx.model.enqueue(turn([touch("a", "call_a")]), turn([message("done")]));
    const first = await peer.request("turn/start", { threadId, input: text("touch") });
    const asked = await peer.serverRequest("item/commandExecution/requestApproval");
    peer.send({
      id: asked.id,
      result: { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch"] } } },
    });
    await turnCompleted(peer, first.turn.id);
    expect(fs.readFileSync(rules, "utf8")).toBe('# mine\nprefix_rule(pattern=["touch"], decision="allow")\n');

    const listed = await peer.request("thread/approvals/list", { threadId });
    const amendment = listed.data.find((a: { kind: string }) => a.kind === "execpolicyAmendment");
    expect(amendment).toMatchObject({ prefix: ["touch"], source: "defaultRules" });
    // `keel debug approvals` shows the saved amendment under the same id.
    const debug = spawnSync(bin, ["debug", "approvals"], {
      env: { ...process.env, KEEL_HOME: fx.home },
      encoding: "utf8",
    });
    expect(JSON.parse(debug.stdout).data).toEqual([amendment]);

    expect(await peer.request("thread/approvals/revoke", { threadId, id: amendment.id })).toEqual({
      revoked: true,
    });
    expect(fs.readFileSync(rules, "utf8")).toBe("# mine\n");
    expect(
      (await peer.request("thread/approvals/list", { threadId })).data.some(
        (a: { kind: string }) => a.kind === "execpolicyAmendment",
      ),
    ).toBe(false);

    // The rule is no longer in force: the next touch asks again (and, declined, does not run).
    fx.model.enqueue(turn([touch("b", "call_b")]), turn([message("done")]));
    const second = await peer.request("turn/start", { threadId, input: text("touch b") });
    const askedAgain = await peer.serverRequest("item/commandExecution/requestApproval");
    peer.send({ id: askedAgain.id, result: { decision: "decline" } });
    await turnCompleted(peer, second.turn.id);
    expect(fs.existsSync(path.join(outside, "b"))).toBe(false);
  });

  it("needs the experimental capability", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize(undefined, {});
    const response = await peer.call("thread/approvals/list", { threadId: "x" });
    expect(response.error?.message).toBe("thread/approvals/list requires experimentalApi capability");
  });
});
