import { describe, expect, it } from "vitest";
import { functionCall, turn } from "../support/model-server.js";
import { message } from "../support/model-server.js";
import { fixture, stdioServer, text, turnCompleted } from "../app-server-engine/support.js";

// Through the app-server: which commands of a thread get the session's proxy (spec §1, §9 test 9).
const PROFILE = [
  "[permissions.dev]",
  'extends = ":workspace"',
  "[permissions.dev.network]",
  "enabled = true",
  "",
].join("\n");
const PROBE = `echo "active=\${CODEX_NETWORK_PROXY_ACTIVE:-none} proxy=\${HTTP_PROXY:-none}"`;

function outputs(body: {
  input: { type: string; call_id?: string; output?: unknown }[];
}): Map<string, string> {
  const found = new Map<string, string>();
  for (const item of body.input)
    if (item.type === "function_call_output" && item.call_id) found.set(item.call_id, String(item.output));
  return found;
}

async function runProbes(options: { feature: boolean; requirements?: string }) {
  const fx = await fixture({
    topLevel: { default_permissions: "dev" },
    extraToml: `${PROFILE}${options.feature ? "[features]\nnetwork_proxy = true\n" : ""}`,
    ...(options.requirements !== undefined ? { requirements: options.requirements } : {}),
  });
  fx.model.enqueue(
    turn([
      functionCall("exec_command", { cmd: PROBE }, "call_sandboxed"),
      functionCall(
        "exec_command",
        { cmd: PROBE, sandbox_permissions: "require_escalated", justification: "outside" },
        "call_escalated",
      ),
    ]),
    turn([message("done")]),
  );
  const { peer } = stdioServer(fx);
  await peer.initialize();
  const start = await peer.request("thread/start", { cwd: fx.workspace });
  await peer.notification("thread/started");
  const started = await peer.request("turn/start", { threadId: start.thread.id, input: text("probe") });
  const approval = await peer.serverRequest("item/commandExecution/requestApproval");
  peer.send({ id: approval.id, result: { decision: "accept" } });
  await turnCompleted(peer, started.turn.id);
  return outputs(fx.model.modelRequests()[1]!.body);
}

describe("the managed proxy per thread (app-server)", () => {
  it("feature on: sandboxed commands get the proxy variables, an escalated one does not (§9 test 9)", async () => {
    const out = await runProbes({ feature: true });
    expect(out.get("call_sandboxed")).toMatch(/active=1 proxy=http:\/\/127\.0\.0\.1:\d+/);
    expect(out.get("call_escalated")).toContain("active=none proxy=none");
  });

  it("requirements [experimental_network] start the proxy without the feature", async () => {
    const out = await runProbes({
      feature: false,
      requirements: '[experimental_network]\nallowed_domains = ["corp.test"]\n',
    });
    expect(out.get("call_sandboxed")).toMatch(/active=1 proxy=http:\/\/127\.0\.0\.1:\d+/);
  });
});
