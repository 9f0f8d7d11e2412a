import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { caSigner, createCa } from "../../src/network-proxy/certs.js";
import { inputItems, keel, setup } from "../exec/support.js";
import { functionCall, textTurn, turn } from "../support/model-server.js";

// The agent path end to end: `keel exec` → model server → exec_command → bwrap → the session's
// proxy. The target is a test server on the host's loopback, opened by policy (spec §9 test 4:
// `allow_local_binding = true` and `"127.0.0.1" = "allow"`), so no name resolution is involved.
const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((done) => s.close(done));
});

async function hostServer(): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    res.end("hello from the host");
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { port: (server.address() as net.AddressInfo).port, hits };
}

/** Appends the `dev` profile (`:workspace` + network on) and `lines` to the setup's config.toml. */
function devProfile(home: string, lines: string[]): void {
  const head = ["[permissions.dev]", 'extends = ":workspace"', "[permissions.dev.network]", "enabled = true"];
  fs.appendFileSync(path.join(home, "config.toml"), [...head, ...lines, ""].join("\n"));
}

async function runCurl(feature: boolean, options: { rules?: string; configAllows?: boolean } = {}) {
  const host = await hostServer();
  const s = await setup({ topLevel: { default_permissions: "dev" } });
  if (options.rules !== undefined) {
    fs.mkdirSync(path.join(s.home, "rules"), { recursive: true });
    fs.writeFileSync(path.join(s.home, "rules", "default.rules"), options.rules);
  }
  devProfile(s.home, [
    "allow_local_binding = true",
    ...(options.configAllows === false ? [] : ["[permissions.dev.network.domains]", '"127.0.0.1" = "allow"']),
    ...(feature ? ["[features]", "network_proxy = true"] : []),
  ]);
  const cmd =
    // NO_PROXY lists loopback when local binding is allowed, so it is overridden here.
    `curl -sS --noproxy "" \${HTTP_PROXY:+-x "$HTTP_PROXY"} http://127.0.0.1:${host.port}/proxied; echo; ` +
    `curl -sS --noproxy '*' --max-time 10 http://127.0.0.1:${host.port}/direct; echo " direct=$?"; ` +
    `echo "active=\${CODEX_NETWORK_PROXY_ACTIVE:-none} no_proxy=\${NO_PROXY:-none}"`;
  s.server.enqueue(turn([functionCall("exec_command", { cmd }, "call_1")]), textTurn("Done."));
  const r = await keel(["exec", "fetch"], { cwd: s.repo, env: s.env });
  expect(r.code, r.stderr).toBe(0);
  const [output] = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
  return { output: output.output as string, hits: host.hits };
}

describe("keel exec with the managed network proxy", () => {
  it("feature on: the command reaches an allowed host only through the session's proxy", async () => {
    const { output, hits } = await runCurl(true);
    expect(output).toContain("hello from the host");
    expect(output).toContain("direct=7");
    expect(output).toContain("active=1 no_proxy=localhost,127.0.0.1,::1,");
    expect(hits).toEqual(["/proxied"]);
  });

  it("network_rule (spec §9 test 8): a rules allow opens a host, a rules deny beats a config allow", async () => {
    const allowed = await runCurl(true, {
      configAllows: false,
      rules: 'network_rule(host="127.0.0.1", protocol="https", decision="allow")\n',
    });
    // The protocol is ignored: an https rule opens plain http too.
    expect(allowed.output).toContain("hello from the host");
    expect(allowed.hits).toEqual(["/proxied"]);
    const denied = await runCurl(true, {
      rules: 'network_rule(host="127.0.0.1", protocol="http", decision="deny", justification="no")\n',
    });
    // A refused request fails the command; the model gets Codex's error text (§6).
    expect(denied.output).toBe(
      'exec_command failed: ProcessFailed { message: "Network access to \\"127.0.0.1\\" was blocked: domain is explicitly denied by policy and cannot be approved from this prompt." }',
    );
    expect(denied.hits).toEqual([]);
  });

  it("feature off (spec §9 test 1): the profile's network is direct, without proxy variables", async () => {
    const { output, hits } = await runCurl(false);
    expect(output).toContain("direct=0");
    expect(output).toContain("active=none");
    expect(hits).toEqual(["/proxied", "/direct"]);
  });

  it("limited mode: commands trust the KEEL_HOME CA bundle, can read it, and cannot read the CA key", async () => {
    const s = await setup({ topLevel: { default_permissions: "dev" } });
    devProfile(s.home, ['mode = "limited"', "[features]", "network_proxy = true"]);
    const key = path.join(s.home, "proxy", "ca.key");
    const cmd =
      'echo "ssl=$SSL_CERT_FILE node=$NODE_EXTRA_CA_CERTS"; grep -c "BEGIN CERTIFICATE" "$SSL_CERT_FILE"; ' +
      `if cat "${key}" 2>/dev/null | grep -q "PRIVATE KEY"; then echo key=readable; else echo key=hidden; fi`;
    s.server.enqueue(turn([functionCall("exec_command", { cmd }, "call_1")]), textTurn("Done."));
    const r = await keel(["exec", "fetch"], { cwd: s.repo, env: s.env });
    expect(r.code, r.stderr).toBe(0);
    const [output] = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
    const text = output.output as string;
    const bundle = /ssl=(\S+) node=(\S+)/.exec(text);
    expect(bundle?.[1]).toMatch(new RegExp(`^${s.home}/proxy/ca-bundle-[0-9a-f]{64}\\.pem$`));
    expect(bundle?.[2]).toBe(bundle?.[1]);
    expect(Number(/^(\d+)$/m.exec(text)?.[1])).toBeGreaterThan(1);
    expect(text).toContain("key=hidden");
    expect(fs.statSync(key).mode & 0o777).toBe(0o600);
  });

  it("mitm hooks from config.toml: the secret comes from keel's environment and reaches the server, not the command", async () => {
    const upstreamCa = await createCa("test upstream CA");
    const leaf = await (await caSigner(upstreamCa)).issue("127.0.0.1");
    const seen: http.IncomingHttpHeaders[] = [];
    const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      seen.push(req.headers);
      res.end("hooked page");
    });
    servers.push(server);
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as net.AddressInfo).port;
    const s = await setup({ topLevel: { default_permissions: "dev" } });
    const caFile = path.join(s.home, "upstream-ca.pem");
    fs.writeFileSync(caFile, upstreamCa.certPem);
    devProfile(s.home, [
      "allow_local_binding = true",
      "[permissions.dev.network.domains]",
      '"127.0.0.1" = "allow"',
      "[permissions.dev.network.mitm.hooks.api]",
      'host = "127.0.0.1"',
      'methods = ["GET"]',
      'path_prefixes = ["/v1/"]',
      'action = ["auth"]',
      "[permissions.dev.network.mitm.actions.auth]",
      'strip_request_headers = ["x-client-token"]',
      'inject_request_headers = [{ name = "authorization", secret_env_var = "HOOK_SECRET", prefix = "Bearer " }]',
      "[features]",
      "network_proxy = true",
    ]);
    const cmd =
      `curl -sS --noproxy "" https://127.0.0.1:${port}/v1/x -H "x-client-token: mine"; echo " rc=$?"; ` +
      `echo "secret=\${HOOK_SECRET:-none}"`;
    s.server.enqueue(turn([functionCall("exec_command", { cmd }, "call_1")]), textTurn("Done."));
    const env = { ...s.env, HOOK_SECRET: "s3cr3t", NODE_EXTRA_CA_CERTS: caFile };
    const r = await keel(["exec", "fetch"], { cwd: s.repo, env });
    expect(r.code, r.stderr).toBe(0);
    const [output] = inputItems(s.server.modelRequests()[1]!.body, "function_call_output");
    const text = output.output as string;
    expect(text).toContain("hooked page rc=0");
    expect(text).toContain("secret=none");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBe("Bearer s3cr3t");
    expect(seen[0]!["x-client-token"]).toBeUndefined();

    // Without the variable the proxy cannot start, and no command runs with direct network.
    const { HOOK_SECRET: _secret, ...without } = env;
    s.server.enqueue(turn([functionCall("exec_command", { cmd }, "call_2")]), textTurn("Done."));
    const absent = await keel(["exec", "fetch"], { cwd: s.repo, env: without });
    expect(absent.code, absent.stderr).toBe(0);
    const last = s.server.modelRequests().at(-1)!.body;
    const [refused] = inputItems(last, "function_call_output");
    expect(refused.output as string).toContain(
      "the managed network proxy could not start: injected header authorization: missing required environment variable HOOK_SECRET",
    );
    expect(seen).toHaveLength(1);
  });
});
