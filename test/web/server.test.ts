import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { text } from "node:stream/consumers";
import { WebSocket } from "ws";
import { describe, expect, it, vi } from "vitest";
import { clientFrame } from "../app-server/raw-ws.js";
import { startListeningServer } from "../app-server/support.js";
import { tempDir } from "../support/tmp.js";
import { keelBin, startWeb } from "./support.js";

const repo = path.resolve(import.meta.dirname, "../..");

interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A GET with the path sent exactly as given (no normalisation of `..` or escapes). */
function get(origin: string, rawPath: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: hostname, port, path: rawPath, method: "GET", headers },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    request.on("error", reject);
    request.end();
  });
}

type Upgrade = { status: "open"; protocol: string; socket: WebSocket } | { status: number; body: string };

function upgrade(
  origin: string,
  options: { protocols?: string[]; origin?: string; headers?: Record<string, string> },
): Promise<Upgrade> {
  const socket = new WebSocket(origin.replace(/^http:/, "ws:"), options.protocols ?? [], {
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    headers: options.headers ?? {},
  });
  return new Promise((resolve, reject) => {
    socket.on("open", () => resolve({ status: "open", protocol: socket.protocol, socket }));
    socket.on("unexpected-response", async (_request, response) => {
      resolve({ status: response.statusCode ?? 0, body: await text(response) });
    });
    socket.on("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** Sends `initialize` over an open socket; resolves with the first message back. */
function initialize(socket: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    socket.once("message", (data) => resolve(JSON.parse(data.toString()) as Record<string, unknown>));
    socket.send(
      JSON.stringify({
        id: 1,
        method: "initialize",
        params: { clientInfo: { name: "keel_web", title: null, version: "1" }, capabilities: {} },
      }),
    );
  });
}

/**
 * Everything the server sends back to a hand-written upgrade that carries `protocols` and is
 * followed at once by an `initialize` frame, until the server closes the connection.
 */
function rawUpgradeWithRequest(origin: string, protocols: string): Promise<string> {
  const { hostname, port, host } = new URL(origin);
  const socket = net.connect(Number(port), hostname);
  const frame = clientFrame(
    Buffer.from(
      JSON.stringify({ id: 1, method: "initialize", params: { clientInfo: { name: "x", version: "1" } } }),
    ),
  );
  socket.write(
    Buffer.concat([
      Buffer.from(
        `GET / HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Protocol: ${protocols}\r\n\r\n`,
      ),
      frame,
    ]),
  );
  let received = "";
  socket.on("data", (chunk: Buffer) => {
    received += chunk.toString("latin1");
  });
  return new Promise((resolve) => socket.on("close", () => resolve(received)));
}

describe("keel web: the WebSocket upgrade", () => {
  it("refuses a missing or wrong token with 401 and sends no JSON-RPC data", async () => {
    const web = await startWeb();
    expect(web.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(web.url).toBe(`http://127.0.0.1:${web.port}/#token=${web.token}`);
    expect(await upgrade(web.origin, { protocols: ["keel.v2"], origin: web.origin })).toEqual({
      status: 401,
      body: "missing websocket token",
    });
    expect(
      await upgrade(web.origin, { protocols: ["keel.v2", `keel-token.${web.token}x`], origin: web.origin }),
    ).toEqual({ status: 401, body: "invalid websocket token" });
    expect(await upgrade(web.origin, { headers: { Authorization: "Bearer wrong" } })).toEqual({
      status: 401,
      body: "invalid websocket bearer token",
    });
    expect(await upgrade(web.origin, {})).toEqual({ status: 401, body: "missing websocket bearer token" });
    // A request pipelined behind a refused upgrade is never read as a message.
    const answer = await rawUpgradeWithRequest(web.origin, `keel.v2, keel-token.${"A".repeat(43)}`);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).not.toContain("codexHome");
    expect(answer).not.toContain('"id"');
  });

  it("refuses another origin or host with 403, even with the right token", async () => {
    const web = await startWeb();
    const protocols = ["keel.v2", `keel-token.${web.token}`];
    for (const origin of [
      "http://evil.example",
      `http://127.0.0.1:${web.port + 1}`,
      "null",
      `https://127.0.0.1:${web.port}`,
    ]) {
      expect(await upgrade(web.origin, { protocols, origin })).toEqual({
        status: 403,
        body: "origin not allowed",
      });
    }
    // DNS rebinding: a foreign name that resolves to 127.0.0.1 makes the page same-origin with it.
    expect(
      await upgrade(web.origin, {
        protocols,
        origin: `http://evil.example:${web.port}`,
        headers: { Host: `evil.example:${web.port}` },
      }),
    ).toEqual({ status: 403, body: "origin not allowed" });
    expect(
      await upgrade(web.origin, { headers: { Authorization: `Bearer ${web.token}`, Host: "evil.example" } }),
    ).toEqual({ status: 403, body: "host not allowed" });
    // Plain HTTP from another origin: refused, and no CORS header ever invites it.
    const foreign = await get(web.origin, "/", { Origin: "http://evil.example" });
    expect(foreign.status).toBe(403);
    expect(Object.keys(foreign.headers).filter((h) => h.startsWith("access-control-"))).toEqual([]);
    expect((await get(web.origin, "/", { Host: `evil.example:${web.port}` })).status).toBe(403);
  });

  it("accepts the page's token (subprotocol, own origin) and a program's bearer token", async () => {
    const web = await startWeb();
    for (const origin of [web.origin, `http://localhost:${web.port}`]) {
      const opened = await upgrade(web.origin, { protocols: ["keel.v2", `keel-token.${web.token}`], origin });
      if (opened.status !== "open") throw new Error(`refused: ${JSON.stringify(opened)}`);
      // The server selects keel.v2 and never echoes the token.
      expect(opened.protocol).toBe("keel.v2");
      const answer = await initialize(opened.socket);
      expect(answer).toMatchObject({ id: 1, result: { codexHome: web.home } });
      opened.socket.close();
    }
    const program = await upgrade(web.origin, { headers: { Authorization: `Bearer ${web.token}` } });
    if (program.status !== "open") throw new Error(`refused: ${JSON.stringify(program)}`);
    expect(program.protocol).toBe("");
    expect(await initialize(program.socket)).toMatchObject({ id: 1, result: { codexHome: web.home } });
    program.socket.close();
  });
});

describe("keel web: the page", () => {
  it("serves dist/web with the CSP and security headers, and index.html for client routes", async () => {
    const web = await startWeb();
    const index = await get(web.origin, "/");
    expect(index.status).toBe(200);
    expect(index.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index.headers["content-security-policy"]).toContain(
      `default-src 'self'; connect-src 'self' ws://127.0.0.1:${web.port}; img-src 'self' data:; style-src 'self' 'unsafe-inline'`,
    );
    expect(index.headers["x-content-type-options"]).toBe("nosniff");
    expect(index.headers["referrer-policy"]).toBe("no-referrer");
    expect(index.body).toBe(fs.readFileSync(path.join(repo, "dist/web/index.html"), "utf8"));
    // Loaded as localhost, the page may connect to localhost.
    const viaLocalhost = await get(web.origin, "/", { Host: `localhost:${web.port}` });
    expect(viaLocalhost.headers["content-security-policy"]).toContain(
      `connect-src 'self' ws://localhost:${web.port};`,
    );
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    expect(script).toBeDefined();
    const asset = await get(web.origin, script!);
    expect(asset.status).toBe(200);
    expect(asset.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(asset.headers["content-security-policy"]).toContain("default-src 'self'");
    expect((await get(web.origin, "/threads/abc")).body).toBe(index.body);
    expect((await get(web.origin, "/assets/missing.js")).status).toBe(404);
  });

  it("refuses paths that leave dist/web, however they are spelled", async () => {
    const web = await startWeb();
    const secret = fs.readFileSync(path.join(repo, "package.json"), "utf8");
    const index = fs.readFileSync(path.join(repo, "dist/web/index.html"), "utf8");
    for (const attempt of [
      "/../package.json",
      "/../../package.json",
      "/%2e%2e/package.json",
      "/%2E%2E/%2e%2e/package.json",
      "/..%2fpackage.json",
      "/assets/..%2f..%2fpackage.json",
      "/%2e%2e%5cpackage.json",
      "/..\\package.json",
      "/%252e%252e/package.json",
      "/assets/%2e%2e/%2e%2e/package.json",
      "/%00/../package.json",
      "/%ff",
      "//etc/passwd",
      "/.vite/manifest.json",
    ]) {
      const answer = await get(web.origin, attempt);
      // Refused, or (a path without an extension) the page itself: never a file from elsewhere.
      if (answer.status === 200) expect(answer.body, attempt).toBe(index);
      else expect([400, 404], attempt).toContain(answer.status);
      expect(answer.body, attempt).not.toBe(secret);
      expect(answer.body, attempt).not.toContain("root:x:0:0");
    }
  });
});

describe("keel web: starting", () => {
  it("keel app-server --web serves the page on its ws:// port", async () => {
    const home = tempDir("keel-web-flag-");
    const server = await startListeningServer(home, "ws://127.0.0.1:0", ["--web"]);
    try {
      await vi.waitFor(() => expect(server.stderr()).toContain("keel web: "));
      const line = /^keel web: (http:\/\/127\.0\.0\.1:(\d+)\/#token=[A-Za-z0-9_-]{43})$/m.exec(
        server.stderr(),
      );
      expect(line).not.toBeNull();
      expect(server.url).toBe(`ws://127.0.0.1:${line![2]}`);
      expect((await get(`http://127.0.0.1:${line![2]}`, "/")).status).toBe(200);
    } finally {
      server.child.kill("SIGKILL");
    }
  });

  it("--open hands the page URL to xdg-open; a failing xdg-open is a warning", async () => {
    const home = tempDir("keel-web-open-");
    const bin = path.join(home, "bin");
    fs.mkdirSync(bin);
    const opened = path.join(home, "opened");
    fs.writeFileSync(
      path.join(bin, "xdg-open"),
      `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\nexit "$XDG_EXIT"\n`,
      {
        mode: 0o755,
      },
    );
    for (const exit of ["0", "3"]) {
      fs.rmSync(opened, { force: true });
      const child = spawn(keelBin, ["web", "--open"], {
        env: { ...process.env, KEEL_HOME: home, PATH: `${bin}:${process.env.PATH}`, XDG_EXIT: exit },
        cwd: home,
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (c: string) => {
        stderr += c;
      });
      try {
        await vi.waitFor(() => expect(fs.existsSync(opened)).toBe(true), { timeout: 15_000 });
        const url = /^keel web: (\S+)$/m.exec(stderr)?.[1];
        await vi.waitFor(() => expect(fs.readFileSync(opened, "utf8")).toBe(url));
        if (exit === "3") {
          await vi.waitFor(() =>
            expect(stderr).toContain("keel web: could not open a browser (xdg-open exited with 3)"),
          );
        }
        expect(child.exitCode).toBeNull();
      } finally {
        child.kill("SIGKILL");
      }
    }
  });

  it("refuses a non-loopback address, --ws-auth, and a missing page build, with a clear message", async () => {
    const home = tempDir("keel-web-errors-");
    const run = (bin: string, args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(bin, args, {
          env: { ...process.env, KEEL_HOME: home },
          cwd: home,
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (c: string) => {
          stderr += c;
        });
        child.on("exit", (code) => resolve({ code, stderr }));
      });
    expect(await run(keelBin, ["web", "--listen", "ws://0.0.0.0:0"])).toEqual({
      code: 1,
      stderr:
        "keel: the web page is served on loopback addresses only (127.0.0.1, ::1, localhost), not 0.0.0.0\n",
    });
    fs.writeFileSync(path.join(home, "token"), "t0ken\n");
    const withAuth = await run(keelBin, [
      "app-server",
      "--listen",
      "ws://127.0.0.1:0",
      "--web",
      "--ws-auth",
      "capability-token",
      "--ws-token-file",
      path.join(home, "token"),
    ]);
    expect(withAuth).toEqual({
      code: 1,
      stderr: "keel: --web makes its own capability token; drop --ws-auth and its flags\n",
    });
    // A copy of the package without dist/web, as after `tsc` alone.
    const copy = tempDir("keel-web-nobuild-");
    fs.cpSync(path.join(repo, "bin"), path.join(copy, "bin"), { recursive: true });
    fs.cpSync(path.join(repo, "dist"), path.join(copy, "dist"), {
      recursive: true,
      filter: (source) => !source.startsWith(path.join(repo, "dist/web")) && !/keel\.blob/.test(source),
    });
    fs.copyFileSync(path.join(repo, "package.json"), path.join(copy, "package.json"));
    fs.symlinkSync(path.join(repo, "node_modules"), path.join(copy, "node_modules"));
    const missing = await run(path.join(copy, "bin/keel"), ["web"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `keel: the web page is not built (${path.join(copy, "dist/web/index.html")} is missing); run \`npm run build\`\n`,
    );
  });
});
