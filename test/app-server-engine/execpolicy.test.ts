import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { functionCall, message, turn } from "../support/model-server.js";
import { tempDirOutsideProjects } from "../support/tmp.js";
import { inputOf, outputOf, startThread } from "./model-io.js";
import { fixture, type Fixture, stdioServer, text, turnCompleted } from "./support.js";

/**
 * Exec policy rules end to end (spec execpolicy.md §10): keel app-server, scripted model, rules
 * files in KEEL_HOME/rules, real bwrap.
 */

function writeRules(fx: Fixture, name: string, body: string): string {
  const dir = path.join(fx.home, "rules");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}

const exec = (cmd: string, callId: string, extra: Record<string, unknown> = {}) =>
  functionCall("exec_command", { cmd, yield_time_ms: 2000, ...extra }, callId);

describe("exec policy rules over the app-server", () => {
  it("a forbidden rule rejects the command with its justification and no item events; the turn goes on", async () => {
    const fx = await fixture();
    writeRules(
      fx,
      "user.rules",
      'prefix_rule(pattern=["cat"], decision="forbidden", justification="no cat here")\n',
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    fx.model.enqueue(turn([exec("cat x", "call_cat")]), turn([message("ok")]));
    const started = await peer.request("turn/start", { threadId, input: text("read x") });
    expect((await turnCompleted(peer, started.turn.id)).params.turn.status).toBe("completed");
    expect(outputOf(fx.model.modelRequests()[1]!, "call_cat")).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/bash -lc \'cat x\'` rejected: no cat here\\")" }',
    );
    expect(
      peer.received.some((m) => m.method?.startsWith("item/") && m.params?.item?.id === "call_cat"),
    ).toBe(false);
    expect(peer.received.some((m) => m.method === "item/commandExecution/requestApproval")).toBe(false);
  });

  it("a bad rules file sends configWarning with path and range; the forbidden rules of every valid call still apply", async () => {
    const fx = await fixture();
    writeRules(fx, "a.rules", 'prefix_rule(pattern=["cat"], decision="forbidden")\n');
    const bad = writeRules(
      fx,
      "b.rules",
      '# broken\nprefix_rule(pattern=["git"], decision="deny")\nprefix_rule(pattern=["head"], decision="forbidden")\n',
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx, "never");
    const warning = await peer.notification("configWarning");
    expect(warning.params).toEqual({
      summary: "Error parsing rules; custom rules not applied.",
      details: `failed to parse rules file ${bad}: invalid decision: deny`,
      path: bad,
      range: { start: { line: 2, column: 1 }, end: { line: 2, column: 46 } },
    });
    fs.writeFileSync(path.join(fx.workspace, "x"), "hello\n");
    fx.model.enqueue(
      turn([exec("cat x", "call_cat"), exec("head x", "call_head"), exec("tail x", "call_tail")]),
      turn([message("ok")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("read x") });
    await turnCompleted(peer, started.turn.id);
    // Unlike Codex, which then drops every file rule: a typo must not switch refusals off.
    const request = fx.model.modelRequests()[1]!;
    expect(outputOf(request, "call_cat")).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"`/bin/bash -lc \'cat x\'` rejected: policy forbids commands starting with `cat`\\")" }',
    );
    expect(outputOf(request, "call_head")).toContain(
      "rejected: policy forbids commands starting with `head`",
    );
    expect(outputOf(request, "call_tail")).toContain("hello");
  });

  it('a prompt rule asks with its reason and only accept/cancel; decline answers Rejected("rejected by user")', async () => {
    const fx = await fixture();
    writeRules(
      fx,
      "user.rules",
      'prefix_rule(pattern=["echo"], decision="prompt", justification="echo is loud")\n',
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    fx.model.enqueue(turn([exec("echo hi there", "call_echo")]), turn([message("ok")]));
    const started = await peer.request("turn/start", { threadId, input: text("say hi") });
    const request = await peer.serverRequest("item/commandExecution/requestApproval");
    expect(request.params.reason).toBe("`/bin/bash -lc 'echo hi there'` requires approval: echo is loud");
    expect(request.params.availableDecisions).toEqual(["accept", "cancel"]);
    expect(request.params.proposedExecpolicyAmendment).toBeUndefined();
    peer.send({ id: request.id, result: { decision: "decline" } });
    expect((await turnCompleted(peer, started.turn.id)).params.turn.status).toBe("completed");
    const completed = await peer.notification("item/completed", (p) => p.item.id === "call_echo");
    expect(completed.params.item.status).toBe("declined");
    expect(outputOf(fx.model.modelRequests()[1]!, "call_echo")).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"rejected by user\\")" }',
    );
  });

  it("under never, a prompt rule is rejected with Codex's text", async () => {
    const fx = await fixture();
    writeRules(fx, "user.rules", 'prefix_rule(pattern=["echo"], decision="prompt")\n');
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx, "never");
    fx.model.enqueue(turn([exec("echo hi", "call_echo")]), turn([message("ok")]));
    const started = await peer.request("turn/start", { threadId, input: text("say hi") });
    await turnCompleted(peer, started.turn.id);
    expect(outputOf(fx.model.modelRequests()[1]!, "call_echo")).toBe(
      'exec_command failed: CreateProcess { message: "Rejected(\\"approval required by policy, but AskForApproval is set to Never\\")" }',
    );
  });

  it("an allow rule runs the command outside the sandbox unasked; a mixed command stays sandboxed", async () => {
    const fx = await fixture();
    const outside = tempDirOutsideProjects("keel-rules-out-");
    writeRules(fx, "user.rules", 'prefix_rule(pattern=["touch"], decision="allow")\n');
    const { peer } = stdioServer(fx);
    await peer.initialize();
    // read-only: whatever the sandbox sees of `outside`, it cannot write there.
    const started0 = await peer.request("thread/start", {
      cwd: fx.workspace,
      approvalPolicy: "never",
      sandbox: "read-only",
    });
    const threadId = started0.thread.id as string;
    fx.model.enqueue(
      turn([exec(`touch ${outside}/a`, "call_a")]),
      turn([exec(`touch ${outside}/d && echo ok | cat`, "call_d")]),
      turn([message("ok")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("touch") });
    await turnCompleted(peer, started.turn.id);
    expect(fs.existsSync(path.join(outside, "a"))).toBe(true);
    expect(fs.existsSync(path.join(outside, "d"))).toBe(false);
    // Still sandboxed: the sandbox either shows the folder read-only or not at all.
    expect(outputOf(fx.model.modelRequests()[2]!, "call_d")).toMatch(
      /Process exited with code 1[\s\S]*touch: cannot touch .*(Read-only file system|No such file or directory)/,
    );
    expect(peer.received.some((m) => m.method === "item/commandExecution/requestApproval")).toBe(false);
  });

  it("accepting the amendment saves the rule, tells the model, and the next touch runs unasked outside the sandbox", async () => {
    const fx = await fixture();
    const outside = tempDirOutsideProjects("keel-rules-out-");
    fs.mkdirSync(path.join(fx.home, "rules"), { recursive: true });
    fs.writeFileSync(path.join(fx.home, "rules", "default.rules"), "# mine");
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    fx.model.enqueue(
      turn([
        exec(`touch ${outside}/b.txt`, "call_b", {
          sandbox_permissions: "require_escalated",
          justification: "Allow touching b.txt?",
          prefix_rule: ["touch"],
        }),
      ]),
      turn([exec(`touch ${outside}/c.txt`, "call_c")]),
      turn([message("ok")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("touch") });
    const request = await peer.serverRequest("item/commandExecution/requestApproval");
    expect(request.params).toMatchObject({
      reason: "Allow touching b.txt?",
      proposedExecpolicyAmendment: ["touch"],
    });
    expect(request.params.availableDecisions).toContainEqual({
      acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch"] },
    });
    peer.send({
      id: request.id,
      result: { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch"] } } },
    });
    expect((await turnCompleted(peer, started.turn.id)).params.turn.status).toBe("completed");
    expect(fs.existsSync(path.join(outside, "b.txt"))).toBe(true);
    expect(fs.existsSync(path.join(outside, "c.txt"))).toBe(true);
    expect(fs.readFileSync(path.join(fx.home, "rules", "default.rules"), "utf8")).toBe(
      '# mine\nprefix_rule(pattern=["touch"], decision="allow")\n',
    );
    const history = inputOf(fx.model.modelRequests()[1]!);
    expect(
      history.some(
        (i) =>
          i.role === "developer" && i.content?.[0]?.text === 'Approved command prefix saved:\n- ["touch"]',
      ),
    ).toBe(true);
    expect(peer.received.filter((m) => m.method === "item/commandExecution/requestApproval")).toHaveLength(1);
  });

  it("project .keel/rules apply only once the project is trusted", async () => {
    for (const trusted of [false, true]) {
      const fx = await fixture();
      if (trusted)
        fs.appendFileSync(
          path.join(fx.home, "config.toml"),
          `\n[projects.${JSON.stringify(fx.workspace)}]\ntrust_level = "trusted"\n`,
        );
      fs.mkdirSync(path.join(fx.workspace, ".keel", "rules"), { recursive: true });
      fs.writeFileSync(
        path.join(fx.workspace, ".keel", "rules", "p.rules"),
        'prefix_rule(pattern=["cat"], decision="forbidden", justification="project says no")\n',
      );
      fs.writeFileSync(path.join(fx.workspace, "x"), "hello\n");
      const { peer } = stdioServer(fx);
      await peer.initialize();
      // read-only: a writable sandbox request would mark the project trusted (thread/start intent).
      const thread = await peer.request("thread/start", {
        cwd: fx.workspace,
        approvalPolicy: "never",
        sandbox: "read-only",
      });
      const threadId = thread.thread.id as string;
      fx.model.enqueue(turn([exec("cat x", "call_cat")]), turn([message("ok")]));
      const started = await peer.request("turn/start", { threadId, input: text("read x") });
      await turnCompleted(peer, started.turn.id);
      const output = outputOf(fx.model.modelRequests()[1]!, "call_cat");
      if (trusted) expect(output).toContain("rejected: project says no");
      else expect(output).toContain("hello");
    }
  });

  it("a banned prefix_rule (python3) is not proposed: the command's own argv is", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx);
    fx.model.enqueue(
      turn([
        exec("python3 -c 'print(1)'", "call_py", {
          sandbox_permissions: "require_escalated",
          justification: "run python",
          prefix_rule: ["python3"],
        }),
      ]),
      turn([message("ok")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("py") });
    const request = await peer.serverRequest("item/commandExecution/requestApproval");
    // The first prompting segment's argv (spec §6.2), not the banned prefix.
    expect(request.params.proposedExecpolicyAmendment).toEqual(["python3", "-c", "print(1)"]);
    peer.send({ id: request.id, result: { decision: "cancel" } });
    await turnCompleted(peer, started.turn.id);
  });
});

// An allow rule for `touch` must not run a workspace file called `touch` outside the sandbox: the
// model can write such a file from inside the sandbox (spec §3 basename fallback, §4).
describe("allow rule and the basename fallback", () => {
  it("a workspace program named like an allowed one runs sandboxed", async () => {
    const fx = await fixture();
    const outside = tempDirOutsideProjects("keel-rules-out-");
    fs.mkdirSync(path.join(fx.home, "rules"), { recursive: true });
    fs.writeFileSync(path.join(fx.home, "rules", "user.rules"), 'prefix_rule(pattern=["touch"])\n');
    // What a sandboxed command could have written: a `touch` that does something else.
    const fake = path.join(fx.workspace, "touch");
    fs.writeFileSync(fake, '#!/bin/sh\necho escaped > "$1"\n', { mode: 0o755 });
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx, "never");
    fx.model.enqueue(
      turn([exec(`${fake} ${outside}/x`, "call_x")]),
      turn([exec(`touch ${outside}/y`, "call_y")]),
      turn([message("ok")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("go") });
    await turnCompleted(peer, started.turn.id);
    expect(fs.existsSync(path.join(outside, "x"))).toBe(false);
    // The rule still takes the real, bare `touch` outside the sandbox.
    expect(fs.existsSync(path.join(outside, "y"))).toBe(true);
    expect(peer.received.some((m) => m.method === "item/commandExecution/requestApproval")).toBe(false);
  });
});

describe("an amendment that cannot be saved", () => {
  it("the approved command still runs and a warning says the prefix was not saved", async () => {
    const fx = await fixture();
    const outside = tempDirOutsideProjects("keel-rules-out-");
    // default.rules is a folder: appending to it fails.
    fs.mkdirSync(path.join(fx.home, "rules", "default.rules"), { recursive: true });
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx, "on-request");
    fx.model.enqueue(
      turn([
        exec(`touch ${outside}/b.txt`, "call_b", {
          sandbox_permissions: "require_escalated",
          justification: "touch b?",
          prefix_rule: ["touch"],
        }),
      ]),
      turn([message("ok")]),
    );
    const started = await peer.request("turn/start", { threadId, input: text("go") });
    const request = await peer.serverRequest("item/commandExecution/requestApproval");
    peer.send({
      id: request.id,
      result: { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["touch"] } } },
    });
    expect((await turnCompleted(peer, started.turn.id)).params.turn.status).toBe("completed");
    expect(fs.existsSync(path.join(outside, "b.txt"))).toBe(true);
    const completed = await peer.notification("item/completed", (p) => p.item.id === "call_b");
    expect(completed.params.item.status).toBe("completed");
    expect(JSON.stringify(peer.received)).toContain("The approved command prefix could not be saved");
    // The model is not told of a rule that was not saved.
    expect(JSON.stringify(inputOf(fx.model.modelRequests()[1]!))).not.toContain(
      "Approved command prefix saved",
    );
  });
});
