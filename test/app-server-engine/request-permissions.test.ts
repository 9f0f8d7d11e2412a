import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, message, type RecordedRequest, turn } from "../support/model-server.js";
import { tempDirOutsideProjects } from "../support/tmp.js";
import { outputOf, startThread } from "./model-io.js";
import { fixture, type Peer, stdioServer, text, turnCompleted } from "./support.js";

/**
 * The `request_permissions` tool end to end (keel app-server, scripted model, real bwrap), against
 * what Codex 0.169 does (captured in /work/capture/perms): the tool is offered with the feature
 * on, `item/permissions/requestApproval` carries Codex's params, the granted subset widens the
 * sandbox of later commands for the turn or the session, and the model reads Codex's JSON.
 * Every message is checked against keel's and Codex's schemas (fixture's checker).
 */

const toolNames = (request: RecordedRequest) =>
  (request.body as { tools: { name?: string; type: string }[] }).tools.map((t) => t.name ?? t.type);

const FEATURE = "\n[features]\nrequest_permissions_tool = true\nsuppress_unstable_features_warning = true\n";

const exec = (cmd: string, callId: string) =>
  functionCall("exec_command", { cmd, yield_time_ms: 2000 }, callId);
const ask = (permissions: unknown, callId = "call_rp") =>
  functionCall("request_permissions", { reason: "Need the extra folder", permissions }, callId);

const emptyGrant = '{"permissions":{"network":null,"file_system":null},"scope":"turn"}';

async function runTurn(peer: Peer, threadId: string, prompt: string): Promise<void> {
  const started = await peer.request("turn/start", { threadId, input: text(prompt) });
  expect((await turnCompleted(peer, started.turn.id)).params.turn.status).toBe("completed");
}

describe("request_permissions over the app-server", () => {
  it("a turn grant makes the path writable for that turn only; other paths stay denied", async () => {
    const fx = await fixture({ extraToml: FEATURE });
    const extra = tempDirOutsideProjects("keel-grant-");
    const other = tempDirOutsideProjects("keel-nogrant-");
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    fx.model.enqueue(
      turn([ask({ file_system: { write: [extra] } })]),
      turn([exec(`touch ${extra}/a.txt`, "call_a")]),
      turn([exec(`touch ${other}/x.txt`, "call_x")]),
      turn([message("done one")]),
      turn([exec(`touch ${extra}/b.txt`, "call_b")]),
      turn([message("done two")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("one") });
    const request = await peer.serverRequest("item/permissions/requestApproval");
    expect(request.params).toEqual({
      threadId,
      turnId: started.turn.id,
      itemId: "call_rp",
      startedAtMs: expect.any(Number),
      environmentId: "local",
      cwd: fx.workspace,
      reason: "Need the extra folder",
      permissions: {
        network: null,
        fileSystem: {
          read: null,
          write: [extra],
          entries: [{ path: { type: "path", path: extra }, access: "write" }],
        },
      },
    });
    peer.send({ id: request.id, result: { permissions: request.params.permissions, scope: "turn" } });
    expect((await turnCompleted(peer, started.turn.id)).params.turn.status).toBe("completed");
    await runTurn(peer, threadId, "two");

    const requests = fx.model.modelRequests();
    expect(toolNames(requests[0]!)).toContain("request_permissions");
    expect(outputOf(requests[1]!, "call_rp")).toBe(
      `{"permissions":{"network":null,"file_system":{"write":[${JSON.stringify(extra)}]}},"scope":"turn"}`,
    );
    expect(fs.existsSync(path.join(extra, "a.txt"))).toBe(true);
    expect(fs.existsSync(path.join(other, "x.txt"))).toBe(false);
    // The next turn no longer has the grant.
    expect(fs.existsSync(path.join(extra, "b.txt"))).toBe(false);
    expect(outputOf(requests.at(-1)!, "call_b")).toContain("Process exited with code 1");
  });

  it("write grants keel will not enforce (KEEL_HOME, .git, through a symlink or ..) are not reported as granted", async () => {
    const fx = await fixture({ extraToml: FEATURE });
    const extra = tempDirOutsideProjects("keel-grant-");
    const ws = fx.workspace;
    fs.mkdirSync(path.join(ws, ".git", "hooks"), { recursive: true });
    fs.mkdirSync(path.join(fx.home, "rules"), { recursive: true });
    fs.symlinkSync(path.join(ws, ".git", "hooks"), path.join(ws, "hooks-link"));
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    const probe = (name: string, cmd: string) =>
      `if ${cmd} 2>/dev/null; then echo ${name}=ok; else echo ${name}=fail; fi`;
    const script = [
      probe("hooks", "touch .git/hooks/pre-commit"),
      probe("link", "touch hooks-link/post-commit"),
      probe("rules", `touch ${fx.home}/rules/x.rules`),
      probe("extra", `touch ${extra}/ok`),
    ].join("; ");
    fx.model.enqueue(
      turn([
        ask({
          file_system: {
            write: [path.join(fx.home, "rules"), ".git/hooks", "hooks-link", "sub/../.git", extra],
          },
        }),
      ]),
      turn([exec(script, "call_w")]),
      turn([message("done")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("one") });
    const request = await peer.serverRequest("item/permissions/requestApproval");
    // The user grants everything that was asked.
    peer.send({ id: request.id, result: { permissions: request.params.permissions, scope: "turn" } });
    expect((await turnCompleted(peer, started.turn.id)).params.turn.status).toBe("completed");

    const last = fx.model.modelRequests().at(-1)!;
    const lines = outputOf(last, "call_rp").split("\n");
    expect(lines[0]).toBe(
      `{"permissions":{"network":null,"file_system":{"write":[${JSON.stringify(extra)}]}},"scope":"turn"}`,
    );
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        new RegExp(`^write access to ${fx.home}/rules was not granted: it is inside KEEL_HOME`),
      ),
      expect.stringMatching(
        new RegExp(`^write access to ${ws}/\\.git/hooks was not granted: it is inside a \\.git folder`),
      ),
      expect.stringMatching(
        new RegExp(`^write access to ${ws}/hooks-link was not granted: it is inside a \\.git folder`),
      ),
      expect.stringMatching(
        new RegExp(`^write access to ${ws}/\\.git was not granted: it is inside a \\.git folder`),
      ),
    ]);
    expect(outputOf(last, "call_w")).toContain("hooks=fail\nlink=fail\nrules=fail\nextra=ok");
    expect(fs.readdirSync(path.join(ws, ".git", "hooks"))).toEqual([]);
    expect(fs.readdirSync(path.join(fx.home, "rules"))).toEqual([]);
  });

  it("a session grant lasts into later turns", async () => {
    const fx = await fixture({ extraToml: FEATURE });
    const extra = tempDirOutsideProjects("keel-grant-");
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    fx.model.enqueue(
      turn([ask({ file_system: { write: [extra] } })]),
      turn([message("granted")]),
      turn([exec(`touch ${extra}/later.txt`, "call_later")]),
      turn([message("done")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("one") });
    const request = await peer.serverRequest("item/permissions/requestApproval");
    peer.send({ id: request.id, result: { permissions: request.params.permissions, scope: "session" } });
    await turnCompleted(peer, started.turn.id);
    await runTurn(peer, threadId, "two");
    expect(fs.existsSync(path.join(extra, "later.txt"))).toBe(true);
    expect(outputOf(fx.model.modelRequests()[1]!, "call_rp")).toContain('"scope":"session"');
  });

  it("an empty answer denies; granted parts that were not requested are ignored", async () => {
    const fx = await fixture({ extraToml: FEATURE });
    const extra = tempDirOutsideProjects("keel-grant-");
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    fx.model.enqueue(
      turn([ask({ file_system: { write: [extra] } }, "call_one")]),
      turn([ask({ file_system: { write: [extra] } }, "call_two")]),
      turn([exec(`touch ${extra}/a.txt`, "call_a")]),
      turn([message("done")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("one") });
    const first = await peer.serverRequest("item/permissions/requestApproval");
    peer.send({ id: first.id, result: { permissions: {}, scope: "turn" } });
    const second = await peer.next(
      (m) => m.method === "item/permissions/requestApproval" && m.id !== first.id,
    );
    // Network was not asked for, and another path was not either.
    peer.send({
      id: second.id,
      result: { permissions: { network: { enabled: true }, fileSystem: { write: ["/etc"] } }, scope: "turn" },
    });
    await turnCompleted(peer, started.turn.id);
    const last = fx.model.modelRequests().at(-1)!;
    expect(outputOf(last, "call_one")).toBe(emptyGrant);
    expect(outputOf(last, "call_two")).toBe(emptyGrant);
    expect(fs.existsSync(path.join(extra, "a.txt"))).toBe(false);
  });

  it("under never nothing is asked and nothing granted", async () => {
    const fx = await fixture({ extraToml: FEATURE });
    const extra = tempDirOutsideProjects("keel-grant-");
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx, "never");
    fx.model.enqueue(
      turn([ask({ file_system: { write: [extra] } })]),
      turn([exec(`touch ${extra}/a.txt`, "call_a")]),
      turn([message("done")]),
    );
    await runTurn(peer, threadId, "one");
    expect(peer.received.some((m) => m.method === "item/permissions/requestApproval")).toBe(false);
    expect(outputOf(fx.model.modelRequests().at(-1)!, "call_rp")).toBe(emptyGrant);
    expect(fs.existsSync(path.join(extra, "a.txt"))).toBe(false);
  });

  it("without the feature the tool is not offered and a call of it is unsupported", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    fx.model.enqueue(turn([ask({ network: { enabled: true } })]), turn([message("done")]));
    await runTurn(peer, threadId, "one");
    const requests = fx.model.modelRequests();
    expect(toolNames(requests[0]!)).not.toContain("request_permissions");
    expect(outputOf(requests[1]!, "call_rp")).toBe("unsupported call: request_permissions");
  });
});
