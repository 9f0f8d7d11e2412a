import fs from "node:fs";
import http from "node:http";
import type net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  fixture,
  type Message,
  type Peer,
  stdioServer,
  text,
  turnCompleted,
} from "../app-server-engine/support.js";
import { functionCall, message, turn } from "../support/model-server.js";

// Network approvals through the managed proxy (network-proxy.md §6, §8, §9 tests 6, 7 and 10), with
// real bwrap, the real proxy and loopback servers this test starts. The proxy judges the loopback
// literals as hosts because `allow_local_binding` is on; curl is pointed at the proxy explicitly
// (NO_PROXY lists loopback then) and the sandbox's own network namespace has no other way out.

const PROFILE = [
  "[permissions.dev]",
  'extends = ":workspace"',
  "[permissions.dev.network]",
  "enabled = true",
  "",
].join("\n");

const REQUIREMENTS = [
  "[experimental_network]",
  "allow_local_binding = true",
  'allowed_domains = ["managed.test"]',
  'denied_domains = ["localhost"]',
  "",
].join("\n");

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((done) => s.close(done));
  }
});

/** A loopback HTTP server answering `hello from <path>`; `hits` counts what reached it. */
async function upstream(address: string): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    res.end(`hello from ${req.url}`);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, address, done));
  return { port: (server.address() as net.AddressInfo).port, hits };
}

const curl = (url: string) => `curl -sS --max-time 20 -x "$HTTP_PROXY" --noproxy '' ${url}`;

function outputs(body: {
  input: { type: string; call_id?: string; output?: unknown }[];
}): Map<string, string> {
  const found = new Map<string, string>();
  for (const item of body.input)
    if (item.type === "function_call_output" && item.call_id) found.set(item.call_id, String(item.output));
  return found;
}

function inputTexts(body: { input: { type: string; role?: string; content?: { text?: string }[] }[] }) {
  return body.input.flatMap((item) =>
    item.type === "message" ? (item.content ?? []).map((c) => ({ role: item.role, text: c.text ?? "" })) : [],
  );
}

async function startThread(peer: Peer, workspace: string): Promise<string> {
  await peer.initialize();
  const start = await peer.request("thread/start", { cwd: workspace });
  await peer.notification("thread/started");
  return start.thread.id as string;
}

const completedItem = (peer: Peer, id: string) =>
  peer.notification("item/completed", (p) => p.item.id === id, 60_000);

describe("network approvals with requirements (§6, §9 test 7)", () => {
  it("asks in Codex's shape; accept, a saved allow rule, decline, and a deny-listed host", async () => {
    const fx = await fixture({
      topLevel: { default_permissions: "dev" },
      extraToml: PROFILE,
      requirements: REQUIREMENTS,
    });
    const a = await upstream("127.0.0.1");
    const b = await upstream("127.0.0.2");
    const urlA = `http://127.0.0.1:${a.port}`;
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: curl(`${urlA}/accepted`) }, "call_accept")]),
      turn([functionCall("exec_command", { cmd: curl(`${urlA}/amended`) }, "call_amend")]),
      turn([functionCall("exec_command", { cmd: curl(`${urlA}/again`) }, "call_again")]),
      turn([
        functionCall("exec_command", { cmd: curl(`http://127.0.0.2:${b.port}/declined`) }, "call_decline"),
      ]),
      turn([functionCall("exec_command", { cmd: curl(`http://localhost:${a.port}/denied`) }, "call_denied")]),
      turn([message("done")]),
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);
    const started = await peer.request("turn/start", { threadId, input: text("fetch") });
    const turnId = started.turn.id as string;

    // 1) accept: the request goes through; the approval has no item of its own.
    const first = await peer.serverRequest("item/commandExecution/requestApproval", 60_000);
    const itemId = first.params.itemId as string;
    expect(itemId).toMatch(new RegExp(`^network#local#http#127\\.0\\.0\\.1#${a.port}#[0-9a-f-]{36}$`));
    expect(first.params).toEqual({
      kind: "command",
      threadId,
      turnId,
      itemId,
      startedAtMs: expect.any(Number),
      environmentId: "local",
      reason: "Network access to 127.0.0.1 requires approval",
      networkApprovalContext: { host: "127.0.0.1", protocol: "http" },
      proposedNetworkPolicyAmendments: [
        { host: "127.0.0.1", action: "allow" },
        { host: "127.0.0.1", action: "deny" },
      ],
      availableDecisions: [
        "accept",
        "acceptForSession",
        { applyNetworkPolicyAmendment: { network_policy_amendment: { host: "127.0.0.1", action: "allow" } } },
        "cancel",
      ],
    });
    peer.send({ id: first.id, result: { decision: "accept" } });
    await peer.notification("serverRequest/resolved", (p) => p.requestId === first.id);
    const accepted = await completedItem(peer, "call_accept");
    expect(accepted.params.item.status).toBe("completed");
    expect(a.hits).toEqual(["/accepted"]);

    // 2) a one-off accept is not remembered; the allow amendment is saved and told to the model.
    const second = await peer.serverRequest("item/commandExecution/requestApproval", 60_000);
    expect(second.params.networkApprovalContext).toEqual({ host: "127.0.0.1", protocol: "http" });
    peer.send({
      id: second.id,
      result: {
        decision: {
          applyNetworkPolicyAmendment: { network_policy_amendment: { host: "127.0.0.1", action: "allow" } },
        },
      },
    });
    await completedItem(peer, "call_amend");
    const rules = fs.readFileSync(path.join(fx.home, "rules", "default.rules"), "utf8");
    expect(rules).toContain(
      'network_rule(host="127.0.0.1", protocol="http", decision="allow", justification="Allow http access to 127.0.0.1")',
    );

    // 3) the proxy's allowlist changed at once: no question this time.
    await completedItem(peer, "call_again");
    expect(a.hits).toEqual(["/accepted", "/amended", "/again"]);

    // 4) decline: 403 from the decider, the command item fails with the output kept.
    const declined = await peer.serverRequest("item/commandExecution/requestApproval", 60_000);
    expect(declined.params.networkApprovalContext).toEqual({ host: "127.0.0.2", protocol: "http" });
    peer.send({ id: declined.id, result: { decision: "decline" } });
    const failed = await completedItem(peer, "call_decline");
    expect(failed.params.item).toMatchObject({ status: "failed", exitCode: -1 });
    expect(failed.params.item.aggregatedOutput).toMatch(/"source":"decider"[\s\S]*\nrejected by user$/);
    expect(b.hits).toEqual([]);

    // 5) a deny-listed host is refused without a question.
    const denied = await completedItem(peer, "call_denied");
    expect(denied.params.item).toMatchObject({ status: "failed", exitCode: -1 });
    await turnCompleted(peer, turnId, 60_000);

    const approvals = peer.received.filter(
      (m: Message) => m.method === "item/commandExecution/requestApproval",
    );
    expect(approvals).toHaveLength(3);
    // No item/started for the approvals themselves (only for the commands).
    const startedIds = peer.received
      .filter((m: Message) => m.method === "item/started")
      .map((m: Message) => m.params.item.id as string);
    expect(startedIds.some((id) => id.startsWith("network#"))).toBe(false);

    const requests = fx.model.modelRequests();
    const afterAmend = inputTexts(requests[2]!.body);
    expect(afterAmend).toContainEqual({
      role: "developer",
      text: "Allowed network rule saved in execpolicy (allowlist): 127.0.0.1",
    });
    const out = outputs(requests[5]!.body);
    expect(out.get("call_accept")).toContain("hello from /accepted");
    expect(out.get("call_again")).toContain("hello from /again");
    expect(out.get("call_decline")).toBe(
      'exec_command failed: ProcessFailed { message: "rejected by user" }',
    );
    expect(out.get("call_denied")).toBe(
      'exec_command failed: ProcessFailed { message: "Network access to \\"localhost\\" was blocked: domain is explicitly denied by policy and cannot be approved from this prompt." }',
    );

    // §8 / §9 test 10: the requirements' own lists, one line; no beta header without the feature.
    const env = inputTexts(requests[0]!.body).find((t) => t.text.startsWith("<environment_context>"));
    expect(env?.text).toContain(
      '\n  <network enabled="true"><allowed>managed.test</allowed><denied>localhost</denied></network>\n</environment_context>',
    );
    expect(requests[0]!.headers["x-codex-beta-features"]).toBeUndefined();
  }, 120_000);

  it("cancel refuses the request and interrupts the turn", async () => {
    const fx = await fixture({
      topLevel: { default_permissions: "dev" },
      extraToml: PROFILE,
      requirements: REQUIREMENTS,
    });
    const a = await upstream("127.0.0.1");
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: curl(`http://127.0.0.1:${a.port}/x`) }, "call_cancel")]),
      turn([message("not reached")]),
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);
    const started = await peer.request("turn/start", { threadId, input: text("fetch") });
    const asked = await peer.serverRequest("item/commandExecution/requestApproval", 60_000);
    peer.send({ id: asked.id, result: { decision: "cancel" } });
    const done = await turnCompleted(peer, started.turn.id, 60_000);
    expect(done.params.turn.status).toBe("interrupted");
    expect(a.hits).toEqual([]);
    expect(fx.model.modelRequests()).toHaveLength(1);
  }, 120_000);

  it("approval policy never: a miss is refused unasked with the allowlist message", async () => {
    const fx = await fixture({
      topLevel: { default_permissions: "dev", approval_policy: "never" },
      extraToml: PROFILE,
      requirements: REQUIREMENTS,
    });
    const a = await upstream("127.0.0.1");
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: curl(`http://127.0.0.1:${a.port}/x`) }, "call_never")]),
      turn([message("done")]),
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);
    const started = await peer.request("turn/start", { threadId, input: text("fetch") });
    await turnCompleted(peer, started.turn.id, 60_000);
    expect(peer.received.some((m: Message) => m.method === "item/commandExecution/requestApproval")).toBe(
      false,
    );
    expect(outputs(fx.model.modelRequests()[1]!.body).get("call_never")).toBe(
      'exec_command failed: ProcessFailed { message: "Network access to \\"127.0.0.1\\" was blocked: domain is not on the allowlist for the current sandbox mode." }',
    );
    expect(a.hits).toEqual([]);
  }, 120_000);
});

/** The model's reason for a hard-denied miss of the loopback upstream. */
const NOT_ALLOWED_WHY =
  'Network access to "127.0.0.1" was blocked: domain is not on the allowlist for the current sandbox mode.';

/** The `dev` profile with network, the proxy feature on, no requirements: misses are hard-denied. */
const noRequirementsFixture = () =>
  fixture({
    topLevel: { default_permissions: "dev" },
    extraToml: `${PROFILE}allow_local_binding = true\n[permissions.dev.network.domains]\n"managed.test" = "allow"\n[features]\nnetwork_proxy = true\n`,
  });

describe("no requirements (§9 tests 6 and 10)", () => {
  it("a miss is hard-denied: no prompt, the allowlist message, item failed/-1, no <network> context", async () => {
    const fx = await noRequirementsFixture();
    const a = await upstream("127.0.0.1");
    fx.model.enqueue(
      turn([
        functionCall(
          "exec_command",
          { cmd: `echo before; ${curl(`http://127.0.0.1:${a.port}/x`)}` },
          "call_miss",
        ),
      ]),
      turn([message("done")]),
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);
    const started = await peer.request("turn/start", { threadId, input: text("fetch") });
    const item = await completedItem(peer, "call_miss");
    await turnCompleted(peer, started.turn.id, 60_000);
    const why = NOT_ALLOWED_WHY;
    expect(item.params.item).toMatchObject({ status: "failed", exitCode: -1 });
    expect(item.params.item.aggregatedOutput).toMatch(/^before\n[\s\S]*"source":"baseline_policy"[\s\S]*\n/);
    expect(item.params.item.aggregatedOutput.endsWith(`\n${why}`)).toBe(true);
    expect(peer.received.some((m: Message) => m.method === "item/commandExecution/requestApproval")).toBe(
      false,
    );
    const requests = fx.model.modelRequests();
    expect(outputs(requests[1]!.body).get("call_miss")).toBe(
      `exec_command failed: ProcessFailed { message: ${JSON.stringify(why)} }`,
    );
    const env = inputTexts(requests[0]!.body).find((t) => t.text.startsWith("<environment_context>"));
    expect(env?.text).not.toContain("<network enabled");
    // The feature is on: Codex's beta-features header says so.
    expect(requests[0]!.headers["x-codex-beta-features"]).toBe("network_proxy");
    expect(a.hits).toEqual([]);
  }, 120_000);
});

describe("a turn that turns network on (security)", () => {
  it("goes through the managed proxy even when the thread started without network", async () => {
    // The thread starts on the built-in workspace profile: no network, so no proxy was needed then.
    const fx = await fixture({ requirements: REQUIREMENTS });
    const a = await upstream("127.0.0.1");
    const probe =
      `echo "active=\${CODEX_NETWORK_PROXY_ACTIVE:-none}"; ` +
      `curl -sS --max-time 5 --noproxy '*' http://127.0.0.1:${a.port}/direct || echo direct-failed`;
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd: probe }, "call_probe")]),
      turn([message("done")]),
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);
    const started = await peer.request("turn/start", {
      threadId,
      input: text("probe"),
      sandboxPolicy: { type: "workspaceWrite", networkAccess: true },
    });
    await turnCompleted(peer, started.turn.id, 60_000);
    const out = outputs(fx.model.modelRequests()[1]!.body).get("call_probe") ?? "";
    expect(out).toContain("active=1");
    expect(out).toContain("direct-failed");
    expect(a.hits).toEqual([]);
  }, 120_000);
});

describe("a background command the network refuses later (§6, deferred)", () => {
  it("is killed, its item fails with the reason, and the next write_stdin reports it", async () => {
    const fx = await noRequirementsFixture();
    const a = await upstream("127.0.0.1");
    const gate = path.join(fx.workspace, "go");
    const curled = path.join(fx.workspace, "curled");
    const sleepFor = `${300 + Math.floor(Math.random() * 500)}.${Math.floor(Math.random() * 1000)}`;
    // It waits for the test's go-ahead, so the refused request comes after exec_command returned.
    const cmd = `echo waiting; while [ ! -e go ]; do sleep 0.05; done; ${curl(`http://127.0.0.1:${a.port}/late`)}; touch curled; sleep ${sleepFor}`;
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd, yield_time_ms: 250 }, "call_bg")]),
      turn([message("it runs")]),
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);
    const first = await peer.request("turn/start", { threadId, input: text("start it") });
    const started = await peer.notification("item/started", (p) => p.item.id === "call_bg");
    await turnCompleted(peer, first.turn.id, 60_000);
    const processId = Number(started.params.item.processId);
    expect(outputs(fx.model.modelRequests()[1]!.body).get("call_bg")).toContain(
      `Process running with session ID ${processId}`,
    );

    const ended = completedItem(peer, "call_bg");
    fs.writeFileSync(gate, "");
    // Wait until the request was refused: the item ends, or (were it left running) curl returned.
    let completed = false;
    void ended.then(() => {
      completed = true;
    });
    while (!completed && !fs.existsSync(curled)) await new Promise((r) => setTimeout(r, 20));

    fx.model.enqueue(
      turn([functionCall("write_stdin", { session_id: processId, yield_time_ms: 250 }, "call_poll")]),
      turn([message("done")]),
    );
    const second = await peer.request("turn/start", { threadId, input: text("check it") });
    await turnCompleted(peer, second.turn.id, 60_000);
    const why = NOT_ALLOWED_WHY;
    expect(outputs(fx.model.modelRequests().at(-1)!.body).get("call_poll")).toBe(
      `write_stdin failed: Unified exec process failed: ${why}`,
    );
    const item = (await ended).params.item;
    expect(item).toMatchObject({ status: "failed", exitCode: -1 });
    expect(item.aggregatedOutput.startsWith("waiting\n")).toBe(true);
    expect(item.aggregatedOutput.endsWith(`\n${why}`)).toBe(true);
    // Killed: no sleep of it is left, and the session id is gone.
    const alive = fs.readdirSync("/proc").some((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(sleepFor);
      } catch {
        return false;
      }
    });
    expect(alive).toBe(false);
    expect(a.hits).toEqual([]);
  }, 120_000);

  it("refused during the yield and still running at its end: exec_command fails and the process is killed", async () => {
    const fx = await noRequirementsFixture();
    const a = await upstream("127.0.0.1");
    const sleepFor = `${300 + Math.floor(Math.random() * 500)}.${Math.floor(Math.random() * 1000)}`;
    // A long yield: the refusal comes well within it, and the command outlives it.
    const cmd = `echo first; ${curl(`http://127.0.0.1:${a.port}/early`)}; sleep ${sleepFor}`;
    fx.model.enqueue(
      turn([functionCall("exec_command", { cmd, yield_time_ms: 8000 }, "call_early")]),
      turn([message("done")]),
    );
    const { peer } = stdioServer(fx);
    const threadId = await startThread(peer, fx.workspace);
    const first = await peer.request("turn/start", { threadId, input: text("start it") });
    const item = await completedItem(peer, "call_early");
    await turnCompleted(peer, first.turn.id, 60_000);
    const why = NOT_ALLOWED_WHY;
    expect(outputs(fx.model.modelRequests().at(-1)!.body).get("call_early")).toBe(
      `exec_command failed: ProcessFailed { message: ${JSON.stringify(why)} }`,
    );
    expect(item.params.item).toMatchObject({ status: "failed", exitCode: -1 });
    expect(item.params.item.aggregatedOutput.endsWith(`\n${why}`)).toBe(true);
    expect(a.hits).toEqual([]);
  }, 120_000);
});
