import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import path from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { caSigner, createCa } from "../../src/network-proxy/certs.js";
import { loadOrCreateManagedCa } from "../../src/network-proxy/managed-ca.js";
import { compileMitmHooks, evaluateHooks } from "../../src/network-proxy/mitm-hooks.js";
import { type NetworkProxy, startNetworkProxy } from "../../src/network-proxy/proxy.js";
import { SessionProxies } from "../../src/network-proxy/session-proxies.js";
import { world } from "../config/helpers.js";
import { tempDir } from "../support/tmp.js";
import { shellThroughProxy } from "./support.js";

// `[permissions.<p>.network.mitm]` hooks (network-proxy.md §2) as Codex 0.169 applies them, seen
// by real curl in real bwrap through a real proxy, against HTTPS servers on the host's loopback
// that echo the request they got. The proxy trusts the servers' CA via its test-only `upstreamCa`.
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

async function echoServer(
  make: (handler: http.RequestListener) => http.Server,
): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = make((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    req.resume();
    req.on("end", () => res.end(`echo ${JSON.stringify(req.headers)}`));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  cleanups.push(() => new Promise((done) => server.close(() => done())));
  return { port: (server.address() as net.AddressInfo).port, seen };
}

async function httpsEcho(host: string, ca: Awaited<ReturnType<typeof createCa>>) {
  const leaf = await (await caSigner(ca)).issue(host);
  return echoServer((handler) => https.createServer({ cert: leaf.certPem, key: leaf.keyPem }, handler));
}

const MITM = {
  hooks: {
    api: {
      host: "hooked.test",
      methods: ["GET", "POST"],
      path_prefixes: ["/v1/", "pattern:/repos/*/issues"],
      headers: { "x-team": ["pattern:core-*"] },
      action: ["auth"],
    },
  },
  actions: {
    auth: {
      strip_request_headers: ["x-client-token"],
      inject_request_headers: [{ name: "authorization", secret_env_var: "HOOK_SECRET", prefix: "Bearer " }],
    },
  },
};

async function hookedProxy(home: string, upstreamCa: string): Promise<NetworkProxy> {
  const ca = await loadOrCreateManagedCa(home);
  const p = await startNetworkProxy({
    policy: { mode: "full", allow: ["hooked.test", "plain.test"], deny: [], allowLocalBinding: true },
    resolve: async () => ["127.0.0.1"],
    ca: ca.signer,
    upstreamCa: [upstreamCa],
    hooks: compileMitmHooks(MITM, { env: { HOOK_SECRET: "s3cr3t" } }),
  });
  cleanups.push(() => p.close());
  return p;
}

describe("mitm hooks through real curl in bwrap", () => {
  it("inject and strip on a matching request, refuse a non-matching one, leave other hosts alone", {
    timeout: 120_000,
  }, async () => {
    const home = tempDir("keel-home-");
    const upstreamCa = await createCa("test upstream CA");
    const hooked = await httpsEcho("hooked.test", upstreamCa);
    const other = await httpsEcho("plain.test", upstreamCa);
    const plainHttp = await echoServer((handler) => http.createServer(handler));
    const p = await hookedProxy(home, upstreamCa.certPem);
    const ca = await loadOrCreateManagedCa(home);
    const ws = tempDir();
    // Only for the host without hooks: its tunnel is not intercepted, so curl meets the real server.
    fs.writeFileSync(path.join(ws, "upstream-ca.pem"), upstreamCa.certPem);
    const h = `https://hooked.test:${hooked.port}`;
    const r = await shellThroughProxy(
      p,
      [
        `curl -m 20 -sS "${h}/v1/items?x=1" -H "x-team: core-infra" -H "x-client-token: mine" -H "authorization: mine" -H "x-keep: 1"; echo " match=$?"`,
        `curl -m 20 -sS -X POST --data a=1 ${h}/repos/keel/issues -H "x-team: core-web"; echo " glob=$?"`,
        `curl -m 20 -sS -i ${h}/v1/items -H "x-team: other"; echo " nomatch=$?"`,
        `curl -m 20 -sS -i ${h}/repos/a/b/issues -H "x-team: core-x"; echo " deep=$?"`,
        `curl -m 20 -sS -i ${h}/v1/../admin -H "x-team: core-x" --path-as-is; echo " dots=$?"`,
        `curl -m 20 -sS --cacert upstream-ca.pem https://plain.test:${other.port}/x -H "x-client-token: theirs"; echo " other=$?"`,
        `curl -m 20 -sS -i http://hooked.test:${plainHttp.port}/v1/x -H "x-team: core-a"; echo " plain=$?"`,
      ].join("; "),
      { ws, caBundle: ca.bundlePath, env: { NO_PROXY: "", no_proxy: "" } },
    );
    expect(r.setupError).toBeUndefined();
    const out = r.stdout;
    // The matching GET and the glob-matching POST reached the server with the secret, the
    // client's token stripped and its own authorization replaced; other headers kept.
    expect(out).toMatch(/ match=0/);
    expect(out).toMatch(/ glob=0/);
    expect(hooked.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "GET /v1/items?x=1",
      "POST /repos/keel/issues",
    ]);
    for (const s of hooked.seen) {
      expect(s.headers.authorization).toBe("Bearer s3cr3t");
      expect(s.headers["x-client-token"]).toBeUndefined();
      expect(s.headers.host).toBe(`hooked.test:${hooked.port}`);
    }
    expect(hooked.seen[0]!.headers["x-keep"]).toBe("1");
    // A header constraint, a `*` that may not cross `/`, and `..` (resolved before matching)
    // each leave the request unmatched: Codex's 403, and nothing reaches the server.
    const denied =
      out.match(/HTTP\/1\.1 403 Forbidden[\s\S]*?HTTPS request denied by MITM hook policy\./g) ?? [];
    expect(denied).toHaveLength(3);
    expect(out).toMatch(/x-proxy-error: blocked-by-mitm-hook/i);
    // The host without hooks: its own certificate (no interception), its headers untouched.
    expect(out).toMatch(/ other=0/);
    expect(other.seen).toHaveLength(1);
    expect(other.seen[0]!.headers["x-client-token"]).toBe("theirs");
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
    // Plain HTTP to a hooked host would get around the hooks: refused, as in Codex.
    expect(out).toContain('"reason":"mitm_required"');
    expect(out).toMatch(/x-proxy-error: blocked-by-mitm-required/i);
    expect(plainHttp.seen).toEqual([]);
    expect(p.log.filter((e) => !e.allowed).map((e) => `${e.protocol} ${e.method} ${e.reason}`)).toEqual([
      "https GET mitm_hook_denied",
      "https GET mitm_hook_denied",
      "https GET mitm_hook_denied",
      "http GET mitm_required",
    ]);
  });

  it("a hooked host over SOCKS5 on a port other than 443 is refused (it cannot be intercepted)", async () => {
    const home = tempDir("keel-home-");
    const upstreamCa = await createCa("test upstream CA");
    const hooked = await httpsEcho("hooked.test", upstreamCa);
    const p = await hookedProxy(home, upstreamCa.certPem);
    const ws = tempDir();
    const r = await shellThroughProxy(
      p,
      `curl -m 20 -sS -k -x "$ALL_PROXY" https://hooked.test:${hooked.port}/v1/x; echo " socks=$?"`,
      { ws },
    );
    expect(r.stdout).toMatch(/ socks=97/);
    expect(hooked.seen).toEqual([]);
    expect(p.log.at(-1)).toMatchObject({ protocol: "socks5Tcp", allowed: false, reason: "mitm_required" });
  });
});

describe("mitm hooks: secrets and configuration errors", () => {
  it("a secret from a file is read once and trimmed; a missing variable stops the proxy", async () => {
    const dir = tempDir();
    const file = path.join(dir, "token");
    fs.writeFileSync(file, "from-file\n");
    const fromFile = {
      hooks: { h: { host: "a.test", methods: ["GET"], path_prefixes: ["/"], action: ["x"] } },
      actions: { x: { inject_request_headers: [{ name: "X-Token", secret_file: file }] } },
    };
    const hooks = compileMitmHooks(fromFile, { env: {} });
    expect(hooks.get("a.test")?.[0]?.actions.inject).toEqual([{ name: "x-token", value: "from-file" }]);

    const proxies = new SessionProxies();
    proxies.start(
      "t1",
      {
        policy: { mode: "full", allow: ["a.test"], deny: [], allowLocalBinding: false },
        socks5: false,
        socks5Udp: false,
        allowUpstreamProxy: false,
        managed: false,
        managedAllowedDomainsOnly: false,
        requirementDomains: null,
        mitm: MITM,
      },
      { keelHome: tempDir("keel-home-"), env: {} },
    );
    await expect(proxies.route("t1")).rejects.toThrow(
      "the managed network proxy could not start: injected header authorization: missing required environment variable HOOK_SECRET",
    );
    await proxies.end("t1");
  });

  const hook = 'host = "api.test"\nmethods = ["GET"]\npath_prefixes = ["/v1/"]\naction = ["a"]\n';
  const action = '[permissions.dev.network.mitm.actions.a]\nstrip_request_headers = ["x-a"]\n';
  const cases: [string, string, string][] = [
    [
      "a wildcard host",
      hook.replace('"api.test"', '"*.api.test"') + action,
      "hooks.h.host`: MITM hook hosts must be exact hosts and cannot contain wildcards",
    ],
    ["no methods", hook.replace('["GET"]', "[]") + action, "hooks.h.methods`: methods must not be empty"],
    [
      "an action nobody defined",
      hook.replace('["a"]', '["nope"]') + action,
      'hooks.h.action`: references undefined action "nope"',
    ],
    [
      "a body matcher",
      `${hook}body = { a = 1 }\n${action}`,
      "hooks.h.body`: body is reserved for a future release and is not yet supported",
    ],
    [
      "a bad glob",
      hook.replace('"/v1/"', '"pattern:/v1/{a"') + action,
      "hooks.h.path_prefixes.0`: invalid glob pattern `/v1/{a`: unclosed alternation group",
    ],
    [
      "an action with nothing to do",
      `${hook}[permissions.dev.network.mitm.actions.a]\n`,
      "actions.a`: must define at least one operation",
    ],
    [
      "two secret sources",
      `${hook}[permissions.dev.network.mitm.actions.a]\ninject_request_headers = [{ name = "x", secret_env_var = "A", secret_file = "/f" }]\n`,
      "actions.a.inject_request_headers.0`: expected exactly one of secret_env_var or secret_file",
    ],
    [
      "a relative secret file",
      `${hook}[permissions.dev.network.mitm.actions.a]\ninject_request_headers = [{ name = "x", secret_file = "token.txt" }]\n`,
      'actions.a.inject_request_headers.0.secret_file`: secret_file must be an absolute path: "token.txt"',
    ],
    [
      "a header name with a space",
      `${hook}[permissions.dev.network.mitm.actions.a]\nstrip_request_headers = ["bad header"]\n`,
      'actions.a.strip_request_headers.0`: invalid header name "bad header"',
    ],
    ["an unknown key", `${hook}bogus = 1\n${action}`, "hooks.h`: Unrecognized key"],
  ];
  it.each(cases)("config load refuses %s, naming the key", (_name, tables, message) => {
    const w = world();
    w.user(`default_permissions = "dev"\n[permissions.dev.network.mitm.hooks.h]\n${tables}`);
    let error: unknown;
    try {
      w.load();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${w.userConfig}`);
    expect((error as Error).message).toContain(`invalid value for \`permissions.dev.network.mitm.${message}`);
  });
});

describe("hook matching (property)", () => {
  const hooks = compileMitmHooks(
    {
      hooks: { h: { host: "Api.Test.", methods: ["get"], path_prefixes: ["/v1/"], action: ["a"] } },
      actions: { a: { strip_request_headers: ["x-a"] } },
    },
    { env: {} },
  );
  const request = (method: string, headers: string[] = []) =>
    ({ method, rawHeaders: headers }) as unknown as http.IncomingMessage;
  const segment = fc.oneof(fc.constant("v1"), fc.constant(".."), fc.stringMatching(/^[a-z0-9_-]{0,12}$/));

  it("a literal prefix matches exactly the normalized paths that start with it; other hosts are untouched", () => {
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 4 }),
        fc.constantFrom("GET", "get", "POST"),
        (parts, method) => {
          const pathname = `/${parts.join("/")}`;
          const url = new URL(`https://x${pathname}`);
          const verdict = evaluateHooks(hooks, "API.test", request(method), url);
          const expected =
            method.toUpperCase() === "GET" && url.pathname.startsWith("/v1/") ? "matched" : "no-match";
          expect(verdict.kind).toBe(expected);
          expect(evaluateHooks(hooks, `other-${parts.join("")}.test`, request(method), url).kind).toBe(
            "no-hooks",
          );
        },
      ),
    );
  });
});
