import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compiledNetworkDomains } from "../../src/execpolicy/network.js";
import { SessionExecPolicy } from "../../src/execpolicy/session-policy.js";
import { foldNetworkRules } from "../../src/network-proxy/rules-fold.js";
import { type NetworkProxy, startNetworkProxy } from "../../src/network-proxy/proxy.js";
import type { ReviewDecision } from "../../src/protocol/events.js";
import type { ApprovalRequest } from "../../src/session/tool-router.js";
import { ThreadNetworkApprovals } from "../../src/tools/runtime/network-approvals.js";
import { tempDir } from "../support/tmp.js";
import { configFor, context, workspace } from "../tools-runtime/support.js";
import { cleanupsAfterEach, loopbackHttpServer } from "./support.js";

// The session side of network approvals (network-proxy.md §6) behind the real proxy: real
// listeners, a real upstream on 127.0.0.1, requests sent as a proxied client sends them. The user
// is scripted (the ToolContext's requestApproval), as a front end would answer.
const cleanups = cleanupsAfterEach();

function upstream(): Promise<{ port: number; hits: string[] }> {
  return loopbackHttpServer(
    cleanups,
    (req) => req.url ?? "",
    () => "upstream",
  );
}

function get(proxyPort: number, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port: proxyPort, path: url, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function setup(
  options: { keelHome?: string; approval?: "on-request" | "never"; execPolicy?: SessionExecPolicy } = {},
) {
  const ws = workspace();
  const keelHome = options.keelHome ?? ws.home;
  let proxy: NetworkProxy | null = null;
  const asking = { count: 0 };
  const approvals = new ThreadNetworkApprovals(
    keelHome,
    {
      updatePolicy: async (change) => {
        const rule =
          change.action === "allow" ? { allow: [change.host], deny: [] } : { allow: [], deny: [change.host] };
        proxy!.setPolicy(foldNetworkRules(proxy!.policy, rule));
      },
    },
    options.execPolicy,
  );
  proxy = await startNetworkProxy({
    policy: { mode: "full", allow: ["managed.test"], deny: [], allowLocalBinding: true },
    decider: (request) => {
      asking.count++;
      return approvals.decide(request);
    },
    onRequest: (record) => approvals.observe(record),
  });
  cleanups.push(() => proxy!.close());
  const config = configFor(ws, options.approval ?? "on-request", "workspace-write");
  return { ws, keelHome, approvals, proxy, config, asking };
}

/** A scripted user whose answers wait until `release` is called (to hold an approval open). */
function heldUser(answers: ReviewDecision[]) {
  const asked: ApprovalRequest[] = [];
  let release!: () => void;
  const gate = new Promise<void>((done) => {
    release = done;
  });
  return {
    asked,
    release: () => release(),
    requestApproval: async (request: ApprovalRequest) => {
      asked.push(request);
      await gate;
      const decision = answers.shift();
      if (decision === undefined) throw new Error("unexpected approval request");
      return { decision };
    },
  };
}

describe("network approvals behind the proxy", () => {
  it("one question per key: concurrent requests wait for it; a one-off accept is not remembered", async () => {
    const { approvals, proxy, config, asking } = await setup();
    const up = await upstream();
    const t = context(config);
    const user = heldUser(["approved", "approved"]);
    t.ctx.requestApproval = user.requestApproval;
    const attempt = approvals.begin(t.ctx);
    const url = `http://127.0.0.1:${up.port}`;
    const three = [
      get(proxy.httpPort, `${url}/1`),
      get(proxy.httpPort, `${url}/2`),
      get(proxy.httpPort, `${url}/3`),
    ];
    // All three misses reached the decider while the one question is still open.
    while (asking.count < 3) await new Promise((done) => setTimeout(done, 10));
    expect(user.asked).toHaveLength(1);
    user.release();
    expect((await Promise.all(three)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await get(proxy.httpPort, `${url}/4`)).status).toBe(200);
    expect(user.asked).toHaveLength(2);
    expect(attempt.end()).toBeNull();
  });

  it("acceptForSession remembers the key (protocol, host, port) only", async () => {
    const { approvals, proxy, config } = await setup();
    const up = await upstream();
    const other = await upstream();
    const t = context(config, ["approved_for_session", "denied"]);
    const attempt = approvals.begin(t.ctx);
    expect((await get(proxy.httpPort, `http://127.0.0.1:${up.port}/a`)).status).toBe(200);
    expect((await get(proxy.httpPort, `http://127.0.0.1:${up.port}/b`)).status).toBe(200);
    expect(t.asked).toHaveLength(1);
    // Another port is another key: asked again (and declined here).
    const refused = await get(proxy.httpPort, `http://127.0.0.1:${other.port}/c`);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ source: "decider", reason: "not_allowed" });
    expect(t.asked).toHaveLength(2);
    expect(attempt.end()).toBe("rejected by user");
    expect(up.hits).toEqual(["/a", "/b"]);
    expect(other.hits).toEqual([]);
  });

  it("a deny amendment is saved, told to the model, denied for the session and charged to the command", async () => {
    const { approvals, proxy, config, keelHome } = await setup();
    const up = await upstream();
    const t = context(config, [
      { network_policy_amendment: { network_policy_amendment: { host: "127.0.0.1", action: "deny" } } },
    ]);
    const developer: string[] = [];
    t.ctx.recordDeveloperMessage = (text) => developer.push(text);
    const attempt = approvals.begin(t.ctx);
    expect((await get(proxy.httpPort, `http://127.0.0.1:${up.port}/x`)).status).toBe(403);
    expect(fs.readFileSync(path.join(keelHome, "rules", "default.rules"), "utf8")).toBe(
      'network_rule(host="127.0.0.1", protocol="http", decision="deny", justification="Deny http access to 127.0.0.1")\n',
    );
    expect(developer).toEqual(["Denied network rule saved in execpolicy (denylist): 127.0.0.1"]);
    expect(proxy.policy.deny).toContain("127.0.0.1");
    // Now deny-listed: refused without a question, as "denied".
    const again = await get(proxy.httpPort, `http://127.0.0.1:${up.port}/y`);
    expect(JSON.parse(again.body)).toMatchObject({ reason: "denied" });
    expect(t.asked).toHaveLength(1);
    // The user's answer is what the command reports, not the later policy refusal.
    expect(attempt.end()).toBe("rejected by user");
    expect(up.hits).toEqual([]);
  });

  it("a saved allow rule joins the session's in-memory exec policy, after the loaded files' rules", async () => {
    const keelHome = tempDir("keel-np-home-");
    fs.mkdirSync(path.join(keelHome, "rules"));
    // A loaded rules file denies the host; the session's later answer must win, as on a reload.
    fs.writeFileSync(
      path.join(keelHome, "rules", "team.rules"),
      'network_rule(host="127.0.0.1", protocol="https", decision="deny")\n',
    );
    const execPolicy = SessionExecPolicy.load({
      keelHome,
      folders: [path.join(keelHome, "rules")],
      requirements: [],
      homeDir: keelHome,
    });
    expect(compiledNetworkDomains(execPolicy.current())).toEqual({ allow: [], deny: ["127.0.0.1"] });
    const { approvals, proxy, config } = await setup({ keelHome, execPolicy });
    const up = await upstream();
    const t = context(config, [
      { network_policy_amendment: { network_policy_amendment: { host: "127.0.0.1", action: "allow" } } },
    ]);
    const attempt = approvals.begin(t.ctx);
    expect((await get(proxy.httpPort, `http://127.0.0.1:${up.port}/x`)).status).toBe(200);
    attempt.end();
    expect(execPolicy.current().networkRules.at(-1)).toEqual({
      host: "127.0.0.1",
      protocol: "http",
      decision: "allow",
      justification: "Allow http access to 127.0.0.1",
    });
    expect(compiledNetworkDomains(execPolicy.current())).toEqual({ allow: ["127.0.0.1"], deny: [] });
    // Written once, to default.rules, as before.
    expect(fs.readFileSync(path.join(keelHome, "rules", "default.rules"), "utf8")).toBe(
      'network_rule(host="127.0.0.1", protocol="http", decision="allow", justification="Allow http access to 127.0.0.1")\n',
    );
  });

  it("an allow amendment that cannot be written warns, tells the model nothing, and still lets it through", async () => {
    const blocker = path.join(tempDir("keel-home-file-"), "home");
    fs.writeFileSync(blocker, "not a directory");
    const { approvals, proxy, config } = await setup({ keelHome: blocker });
    const up = await upstream();
    const t = context(config, [
      { network_policy_amendment: { network_policy_amendment: { host: "127.0.0.1", action: "allow" } } },
    ]);
    const developer: string[] = [];
    t.ctx.recordDeveloperMessage = (text) => developer.push(text);
    const attempt = approvals.begin(t.ctx);
    expect((await get(proxy.httpPort, `http://127.0.0.1:${up.port}/x`)).status).toBe(200);
    expect(developer).toEqual([]);
    expect(t.of("warning")[0]?.message).toMatch(/^Failed to apply network policy amendment: /);
    expect(proxy.policy.allow).not.toContain("127.0.0.1");
    expect(attempt.end()).toBeNull();
  });

  it("refused unasked without a running command, under never, or when the turn is over", async () => {
    const up = await upstream();
    const url = `http://127.0.0.1:${up.port}/x`;
    const none = await setup();
    expect((await get(none.proxy.httpPort, url)).status).toBe(403);

    const never = await setup({ approval: "never" });
    const t = context(never.config);
    const attempt = never.approvals.begin(t.ctx);
    expect((await get(never.proxy.httpPort, url)).status).toBe(403);
    expect(attempt.end()).toBe(
      'Network access to "127.0.0.1" was blocked: domain is not on the allowlist for the current sandbox mode.',
    );

    const ended = await setup();
    const u = context(ended.config);
    ended.approvals.begin(u.ctx);
    u.abort.abort();
    expect((await get(ended.proxy.httpPort, url)).status).toBe(403);
    expect(t.asked).toHaveLength(0);
    expect(u.asked).toHaveLength(0);
    expect(up.hits).toEqual([]);
  });
  it("a crafted host (wildcard, rule syntax) is refused unasked: no rule saved, allowlist unchanged", async () => {
    const { approvals, proxy, config, keelHome } = await setup();
    const up = await upstream();
    const allowAll = {
      network_policy_amendment: { network_policy_amendment: { host: "*", action: "allow" } },
    };
    // A user who accepts whatever is asked, saving the allow rule the prompt offers.
    const t = context(config, [allowAll, allowAll, allowAll] as ReviewDecision[]);
    const attempt = approvals.begin(t.ctx);
    for (const host of ["*", "*.test", "**.test"])
      expect((await get(proxy.httpPort, `http://${host}/x`)).status).toBe(403);
    expect(t.asked).toHaveLength(0);
    expect(fs.existsSync(path.join(keelHome, "rules", "default.rules"))).toBe(false);
    expect(proxy.policy.allow).toEqual(["managed.test"]);
    expect(attempt.end()).toMatch(/^Network access to "\*\*\.test" was blocked/);
    // Nothing was widened: an ordinary miss is still a question.
    const u = context(config, ["denied"]);
    const next = approvals.begin(u.ctx);
    expect((await get(proxy.httpPort, `http://127.0.0.1:${up.port}/y`)).status).toBe(403);
    expect(u.asked).toHaveLength(1);
    expect(next.end()).toBe("rejected by user");
    expect(up.hits).toEqual([]);
  });
});
