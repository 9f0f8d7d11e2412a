import dgram from "node:dgram";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import type { NetworkPolicy } from "../../src/network-proxy/decision.js";
import { proxyEnvironment } from "../../src/network-proxy/env.js";
import { type NetworkProxy, startNetworkProxy } from "../../src/network-proxy/proxy.js";
import { runSandboxed } from "../../src/sandbox/runner.js";
import { tempDir } from "../support/tmp.js";
import { workspacePlan } from "../sandbox/support.js";
import { cleanupsAfterEach, loopbackHttpServer, requestLine } from "./support.js";

// Sandbox case D5 and spec §9 tests 1, 3, 4: a real proxy, real bwrap, real curl, and test servers
// on the host's loopback only; test names resolve to 127.0.0.1 through the proxy's resolver hook.
const PATH = "/usr/local/bin:/usr/bin:/bin";
const PYTHON = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

const cleanups = cleanupsAfterEach();

function hostServer(): Promise<{ port: number; hits: string[] }> {
  return loopbackHttpServer(cleanups, requestLine, (req) => `hello from ${req.headers.host}`);
}

async function proxy(policy: Partial<NetworkPolicy>, socks5 = true): Promise<NetworkProxy> {
  const p = await startNetworkProxy({
    policy: { mode: "full", allow: [], deny: [], allowLocalBinding: false, ...policy },
    socks5,
    resolve: async (host) => {
      if (host.endsWith(".test")) return ["127.0.0.1"];
      throw new Error(`test resolver: ${host} is not a test name`);
    },
  });
  cleanups.push(() => p.close());
  return p;
}

async function runProxied(p: NetworkProxy, script: string, allowLocalBinding: boolean) {
  const ws = tempDir();
  const env = {
    PATH,
    ...proxyEnvironment({ httpPort: p.httpPort, socksPort: p.socksPort, allowLocalBinding }),
  };
  const ports = [p.httpPort, ...(p.socksPort === null ? [] : [p.socksPort])];
  return runSandboxed({
    argv: ["sh", "-c", script],
    cwd: ws,
    plan: workspacePlan(ws),
    env,
    stateDir: tempDir("keel-state-"),
    proxyPorts: ports,
    timeoutMs: 60_000,
  });
}

describe("sandboxed commands and the managed proxy (Linux)", () => {
  it("D5: an allowed domain works through the proxy, a direct connection fails, the proxy logs one request", async () => {
    const server = await hostServer();
    const p = await proxy({ allow: ["allowed.test"], allowLocalBinding: true });
    const r = await runProxied(
      p,
      `curl -sS http://allowed.test:${server.port}/via-proxy; echo; ` +
        `curl -sS --noproxy '*' --max-time 10 http://127.0.0.1:${server.port}/direct; echo "direct=$?"`,
      true,
    );
    expect(r.setupError).toBeUndefined();
    expect(r.stdout).toContain(`hello from allowed.test:${server.port}`);
    expect(r.stdout).toContain("direct=7");
    expect(r.stderr).toMatch(/Couldn't connect|Failed to connect/);
    expect(server.hits).toEqual([`GET allowed.test:${server.port} /via-proxy`]);
    expect(p.log).toEqual([
      { protocol: "http", host: "allowed.test", port: server.port, method: "GET", allowed: true },
    ]);
  });

  it("gives the command the proxy variables, rewritten to in-sandbox ports, with NO_PROXY empty", async () => {
    const p = await proxy({ allow: ["allowed.test"] });
    const r = await runProxied(
      p,
      'env | grep -E "^(HTTP_PROXY|ALL_PROXY|NO_PROXY|CODEX_NETWORK_[A-Z_]+)=" | sort',
      false,
    );
    const env = Object.fromEntries(
      r.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    expect(env.CODEX_NETWORK_PROXY_ACTIVE).toBe("1");
    expect(env.CODEX_NETWORK_ALLOW_LOCAL_BINDING).toBe("0");
    expect(env.NO_PROXY).toBe("");
    const httpUrl = /^http:\/\/127\.0\.0\.1:(\d+)$/.exec(env.HTTP_PROXY ?? "");
    const socksUrl = /^socks5h:\/\/127\.0\.0\.1:(\d+)$/.exec(env.ALL_PROXY ?? "");
    expect(httpUrl).not.toBeNull();
    expect(socksUrl).not.toBeNull();
    // The sandbox's own listeners, not the host's proxy ports.
    expect(Number(httpUrl![1])).not.toBe(p.httpPort);
    expect(Number(socksUrl![1])).not.toBe(p.socksPort);
  });

  it("reaches allowed hosts over SOCKS5 and CONNECT too, and refuses misses with the spec's errors", async () => {
    const server = await hostServer();
    const p = await proxy({ allow: ["allowed.test"], allowLocalBinding: true });
    const r = await runProxied(
      p,
      `curl -sS -x "$ALL_PROXY" http://allowed.test:${server.port}/socks; echo; ` +
        `curl -sS -i http://other.test:${server.port}/miss; echo; ` +
        `curl -sS https://other.test:${server.port}/; echo "connect=$?"`,
      true,
    );
    expect(r.stdout).toContain(`hello from allowed.test:${server.port}`);
    expect(r.stdout).toContain("x-proxy-error: blocked-by-allowlist");
    const body = JSON.parse(/\{.*\}/.exec(r.stdout)![0]);
    expect(body).toEqual({
      status: "blocked",
      host: "other.test",
      reason: "not_allowed",
      decision: "deny",
      source: "baseline_policy",
      protocol: "http",
      port: server.port,
      message: "Domain not in allowlist.",
    });
    expect(r.stderr).toContain("CONNECT tunnel failed, response 403");
    expect(r.stdout).toContain("connect=56");
    expect(server.hits).toEqual([`GET allowed.test:${server.port} /socks`]);
  });

  it("keeps host loopback behind the policy, in-sandbox loopback open, and AF_UNIX sockets refused", async () => {
    const server = await hostServer();
    const p = await proxy({ allow: ["allowed.test"] });
    const py = [
      "import socket",
      "try:",
      "    socket.socket(socket.AF_UNIX)",
      "    print('unix=created')",
      "except OSError as e:",
      "    print('unix=' + str(e.errno))",
      "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(1)",
      "c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.send(b'ok'); print('loop=' + a.recv(2).decode())",
    ].join("\n");
    const r = await runProxied(
      p,
      `curl -sS -i http://127.0.0.1:${server.port}/; echo; ${PYTHON} -c "${py.replace(/"/g, '\\"')}"`,
      false,
    );
    expect(r.stdout).toContain('"reason":"not_allowed_local"');
    expect(r.stdout).toContain("unix=1");
    expect(r.stdout).toContain("loop=ok");
    expect(server.hits).toEqual([]);
  });

  // Codex 0.169 answers this UDP ASSOCIATE with success and a relay on the host's loopback, out of
  // the namespace's reach, so the client waits for nothing. keel refuses it on its side of the bridge.
  it("answers an in-sandbox SOCKS5 UDP ASSOCIATE with 'command not supported' and closes; CONNECT still works", async () => {
    const server = await hostServer();
    const echo = dgram.createSocket("udp4");
    const datagrams: string[] = [];
    echo.on("message", (msg, from) => {
      datagrams.push(msg.toString());
      echo.send(msg, from.port, from.address);
    });
    await new Promise<void>((done) => echo.bind(0, "127.0.0.1", done));
    cleanups.push(async () => void echo.close());
    const p = await proxy({ allow: ["allowed.test"], allowLocalBinding: true });
    const py = `
import os, socket, struct, urllib.parse
proxy = urllib.parse.urlparse(os.environ["ALL_PROXY"])
def exact(s, n):
    out = b""
    while len(out) < n:
        part = s.recv(n - len(out))
        if not part: break
        out += part
    return out
def associate(pipelined):
    t = socket.create_connection((proxy.hostname, proxy.port), timeout=10)
    request = b"\\x05\\x03\\x00\\x01" + bytes(6)
    if pipelined:
        t.sendall(b"\\x05\\x01\\x00" + request)
        method = exact(t, 2)
    else:
        t.sendall(b"\\x05\\x01\\x00")
        method = exact(t, 2)
        t.sendall(request)
    reply = exact(t, 10)
    try:
        closed = "yes" if t.recv(1) == b"" else "data"
    except OSError as e:
        closed = "no:" + type(e).__name__
    if len(reply) == 10 and reply[1] == 0:
        # What a client does with a granted association: a datagram to the relay it was given.
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        target = b"\\x00\\x00\\x00\\x01" + socket.inet_aton("127.0.0.1") + struct.pack(">H", ${echo.address().port})
        u.sendto(target + b"through-relay", (socket.inet_ntoa(reply[4:8]), struct.unpack(">H", reply[8:10])[0]))
    print("udp method=%s reply=%s closed=%s" % (method.hex(), reply.hex(), closed), flush=True)
associate(False)
associate(True)
t = socket.create_connection((proxy.hostname, proxy.port), timeout=10)
name = b"allowed.test"
t.sendall(b"\\x05\\x01\\x00" + b"\\x05\\x01\\x00\\x03" + bytes([len(name)]) + name + struct.pack(">H", ${server.port})
          + b"GET /pipelined HTTP/1.0\\r\\nHost: allowed.test:${server.port}\\r\\n\\r\\n")
method, reply = exact(t, 2), exact(t, 10)
body = b""
while True:
    part = t.recv(4096)
    if not part: break
    body += part
print("tcp method=%s reply=%s last=%s" % (method.hex(), reply[:2].hex(), body.decode().splitlines()[-1]), flush=True)
`;
    const r = await runProxied(p, `${PYTHON} - <<'EOF'\n${py}\nEOF`, true);
    expect(r.setupError).toBeUndefined();
    const refused = `method=0500 reply=${"05070001".padEnd(20, "0")} closed=yes`;
    expect(r.stdout.split("\n").filter((l) => l.startsWith("udp "))).toEqual([
      `udp ${refused}`,
      `udp ${refused}`,
    ]);
    expect(r.stdout).toContain(`tcp method=0500 reply=0500 last=hello from allowed.test:${server.port}`);
    expect(server.hits).toEqual([`GET allowed.test:${server.port} /pipelined`]);
    expect(datagrams).toEqual([]);
    expect(p.log.filter((entry) => entry.protocol === "socks5Udp")).toEqual([]);
  });
});
