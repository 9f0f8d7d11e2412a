import { createHash, createHmac } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { WebSocket } from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { type WsAuthPolicy, authorizeUpgrade, resolveWsAuth } from "../../src/app-server/ws-auth.js";
import { signHs256, verifyHs256 } from "../../src/lib/jwt-hs256.js";
import { tempDir } from "../support/tmp.js";
import { RawWsClient } from "./raw-ws.js";
import { WsClient, startListeningServer } from "./support.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const SECRET = "0123456789abcdef0123456789abcdef-shared";
const now = () => Math.floor(Date.now() / 1000);

/** Upgrades with the given Authorization header: 101 → "open", else the HTTP status and body. */
function upgrade(url: string, authorization?: string): Promise<{ status: number | "open"; body: string }> {
  const headers = authorization === undefined ? {} : { Authorization: authorization };
  const socket = new WebSocket(url, { headers });
  return new Promise((resolve, reject) => {
    socket.on("open", () => {
      socket.close();
      resolve({ status: "open", body: "" });
    });
    socket.on("unexpected-response", (_request, response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.on("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

async function startServer(args: (dir: string) => string[]) {
  const home = tempDir("keel-ws-auth-");
  const server = await startListeningServer(home, "ws://127.0.0.1:0", args(home));
  cleanups.push(() => server.child.kill("SIGKILL"));
  return server;
}

describe("--ws-auth capability-token", () => {
  it("refuses upgrades without or with a wrong token (401) and accepts the token from the file", async () => {
    const { url, stderr } = await startServer((dir) => {
      fs.writeFileSync(path.join(dir, "token"), "  s3cret-token \n");
      return ["--ws-auth", "capability-token", "--ws-token-file", path.join(dir, "token")];
    });
    expect(stderr()).toContain("auth: capability-token");
    expect(stderr()).not.toContain("WARNING");
    expect(await upgrade(url)).toEqual({ status: 401, body: "missing websocket bearer token" });
    expect(await upgrade(url, "Bearer wrong")).toEqual({
      status: 401,
      body: "invalid websocket bearer token",
    });
    expect(await upgrade(url, "Basic s3cret-token")).toEqual({
      status: 401,
      body: "invalid authorization header",
    });
    expect(await upgrade(url, "Bearer  s3cret-token ")).toEqual({ status: "open", body: "" });
    expect(await upgrade(url, "bearer s3cret-token")).toEqual({ status: "open", body: "" });
    // The health endpoints stay open: they reveal nothing and supervisors poll them.
    const client = new WsClient(new WebSocket(url, { headers: { Authorization: "Bearer s3cret-token" } }));
    await client.opened;
    cleanups.push(() => client.close());
    expect((await client.initialize()).result).toBeDefined();
  });

  it("accepts --ws-token-sha256 (hex, any case) instead of the file", async () => {
    const digest = createHash("sha256").update("digest-token").digest("hex").toUpperCase();
    const { url } = await startServer(() => ["--ws-auth", "capability-token", "--ws-token-sha256", digest]);
    expect((await upgrade(url, "Bearer digest-tokenx")).status).toBe(401);
    expect((await upgrade(url, "Bearer digest-token")).status).toBe("open");
  });
});

describe("sockets that never upgrade", () => {
  // Found in review: a hard cap on open sockets let anyone without a token lock every client out
  // by holding idle TCP connections (each one cut only after the handshake timeout).
  it("cannot lock out a client with the token: the oldest idle socket is dropped instead", async () => {
    const { url } = await startServer((dir) => {
      fs.writeFileSync(path.join(dir, "token"), "s3cret-token\n");
      return [
        "--ws-auth",
        "capability-token",
        "--ws-token-file",
        path.join(dir, "token"),
        "--ws-max-connections",
        "2",
      ];
    });
    const idle = Array.from({ length: 12 }, () => RawWsClient.tcp(url));
    cleanups.push(() => {
      for (const socket of idle) socket.destroy();
    });
    await Promise.all(idle.map((c) => new Promise((resolve) => c.socket.once("connect", resolve))));
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the server accept them all
    const client = new WsClient(new WebSocket(url, { headers: { Authorization: "Bearer s3cret-token" } }));
    await client.opened;
    cleanups.push(() => client.close());
    expect((await client.initialize()).result).toBeDefined();
    // The first idle sockets were dropped as newer ones arrived, long before any timeout.
    await idle[0]!.ended;
  });
});

describe("--ws-auth signed-bearer-token", () => {
  it("accepts a valid HS256 JWT and refuses expired, early, foreign and forged ones", async () => {
    const { url } = await startServer((dir) => {
      fs.writeFileSync(path.join(dir, "secret"), `${SECRET}\n`);
      return [
        "--ws-auth",
        "signed-bearer-token",
        "--ws-shared-secret-file",
        path.join(dir, "secret"),
        "--ws-issuer",
        "keel-test",
        "--ws-audience",
        "app-server",
        "--ws-max-clock-skew-seconds",
        "5",
      ];
    });
    const key = Buffer.from(SECRET);
    const good = { exp: now() + 60, iss: "keel-test", aud: "app-server" };
    const jwt = (claims: Record<string, unknown>, secret = key) => `Bearer ${signHs256(claims, secret)}`;
    expect(await upgrade(url, jwt(good))).toEqual({ status: "open", body: "" });
    expect((await upgrade(url, jwt({ ...good, aud: ["other", "app-server"] }))).status).toBe("open");
    // Within the clock skew.
    expect((await upgrade(url, jwt({ ...good, exp: now() - 2 }))).status).toBe("open");
    const refusals: [Record<string, unknown>, string][] = [
      [{ ...good, exp: now() - 60 }, "expired websocket jwt"],
      [{ ...good, nbf: now() + 60 }, "websocket jwt is not valid yet"],
      [{ ...good, iss: "someone-else" }, "websocket jwt issuer mismatch"],
      [{ exp: good.exp, aud: good.aud }, "websocket jwt issuer mismatch"],
      [{ ...good, aud: "other" }, "websocket jwt audience mismatch"],
      [{ iss: good.iss, aud: good.aud }, "invalid websocket jwt"],
    ];
    for (const [claims, message] of refusals) {
      expect(await upgrade(url, jwt(claims)), JSON.stringify(claims)).toEqual({ status: 401, body: message });
    }
    const forged = jwt(good, Buffer.from("another-secret-of-at-least-32-bytes!"));
    expect(await upgrade(url, forged)).toEqual({ status: 401, body: "invalid websocket jwt" });
    expect(await upgrade(url)).toEqual({ status: 401, body: "missing websocket bearer token" });
  });
});

describe("ws auth flags", () => {
  const dir = () => {
    const d = tempDir("keel-ws-flags-");
    fs.writeFileSync(path.join(d, "short"), "too-short\n");
    fs.writeFileSync(path.join(d, "empty"), " \n");
    return d;
  };

  it("are validated with Codex's messages", () => {
    const cwd = dir();
    const cases: [Parameters<typeof resolveWsAuth>[0], string][] = [
      [{ wsAuth: "capability-token" }, "`--ws-token-file` or `--ws-token-sha256` is required"],
      [
        { wsAuth: "capability-token", wsTokenFile: "a", wsTokenSha256: "b" },
        "`--ws-token-file` and `--ws-token-sha256` are mutually exclusive",
      ],
      [{ wsAuth: "capability-token", wsTokenSha256: "abc" }, "must be a 64-character hex SHA-256 digest"],
      [
        { wsAuth: "capability-token", wsTokenFile: "empty" },
        `websocket auth secret ${cwd}/empty must not be empty`,
      ],
      [
        { wsAuth: "capability-token", wsTokenFile: "missing" },
        `failed to read websocket auth secret ${cwd}/missing`,
      ],
      [{ wsAuth: "capability-token", wsIssuer: "x" }, "require `--ws-auth signed-bearer-token`"],
      [{ wsAuth: "signed-bearer-token" }, "`--ws-shared-secret-file` is required"],
      [
        { wsAuth: "signed-bearer-token", wsSharedSecretFile: "short" },
        `signed websocket bearer secret ${cwd}/short must be at least 32 bytes`,
      ],
      [{ wsAuth: "signed-bearer-token", wsTokenFile: "x" }, "require `--ws-auth capability-token`"],
      [{ wsIssuer: "x" }, "websocket auth flags require `--ws-auth capability-token`"],
      [{ wsAuth: "password" }, "invalid value 'password' for '--ws-auth <MODE>'"],
    ];
    for (const [flags, message] of cases) expect(() => resolveWsAuth(flags, cwd)).toThrow(message);
    expect(resolveWsAuth({}, cwd)).toBeNull();
  });

  it("stop the server from starting, with the message and no stack trace", async () => {
    const home = tempDir("keel-ws-flags-");
    await expect(
      startListeningServer(home, "ws://127.0.0.1:0", ["--ws-auth", "capability-token"]),
    ).rejects.toThrow(/keel: `--ws-token-file` or `--ws-token-sha256` is required[^\n]*\n$/);
    fs.writeFileSync(path.join(home, "token"), "t\n");
    const tokenFlags = ["--ws-auth", "capability-token", "--ws-token-file", "token"];
    await expect(startListeningServer(home, `unix://${home}/s.sock`, tokenFlags)).rejects.toThrow(
      /keel: --ws-auth needs a TCP WebSocket listener \(--listen ws:\/\/IP:PORT\)\n$/,
    );
  });
});

describe("the HS256 verifier", () => {
  const key = Buffer.from(SECRET);
  const policy: WsAuthPolicy = {
    kind: "signed-bearer-token",
    secret: key,
    issuer: undefined,
    audience: undefined,
    maxClockSkewSeconds: 30,
  };

  it("round-trips any claims it signed", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (claims) => {
        expect(verifyHs256(signHs256(claims, key), key)).toEqual(JSON.parse(JSON.stringify(claims)));
      }),
    );
  });

  it("rejects every token with one character changed", () => {
    const token = signHs256({ exp: now() + 60, sub: "x" }, key);
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(..."AQgw_-.x="), (index, replacement) => {
        fc.pre(token[index] !== replacement);
        const changed = token.slice(0, index) + replacement + token.slice(index + 1);
        // Also where base64url has spare bits (a segment's last character): only the canonical
        // spelling of the signed bytes is accepted.
        expect(verifyHs256(changed, key)).toBeNull();
      }),
    );
  });

  it("rejects a signature spelled with other spare bits (same bytes, not canonical)", () => {
    const token = signHs256({ exp: now() + 60 }, key);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // 32 bytes in 43 characters leave 2 spare bits in the last one: flipping the lowest keeps the bytes.
    const last = alphabet.indexOf(token.at(-1)!);
    const twin = token.slice(0, -1) + alphabet[last ^ 1];
    expect(Buffer.from(twin.split(".")[2]!, "base64url")).toEqual(
      Buffer.from(token.split(".")[2]!, "base64url"),
    );
    expect(verifyHs256(token, key)).not.toBeNull();
    expect(verifyHs256(twin, key)).toBeNull();
  });

  it("rejects a header with critical extensions it does not know", () => {
    const payload = Buffer.from(JSON.stringify({ exp: now() + 60 })).toString("base64url");
    const header = Buffer.from(JSON.stringify({ alg: "HS256", crit: ["b64"], b64: false })).toString(
      "base64url",
    );
    const signature = createHmac("sha256", key).update(`${header}.${payload}`).digest("base64url");
    expect(verifyHs256(`${header}.${payload}.${signature}`, key)).toBeNull();
  });

  it("rejects alg none and other algorithms", () => {
    const payload = Buffer.from(JSON.stringify({ exp: now() + 60 })).toString("base64url");
    for (const alg of ["none", "HS512", "RS256"]) {
      const header = Buffer.from(JSON.stringify({ alg, typ: "JWT" })).toString("base64url");
      expect(authorizeUpgrade(`Bearer ${header}.${payload}.`, policy, now())).toBe("invalid websocket jwt");
    }
  });

  it("rejects claims of the wrong type", () => {
    for (const claims of [
      { exp: "soon" },
      { exp: 1.5e9 + 0.5 },
      { exp: now() + 60, nbf: "x" },
      { exp: now() + 60, aud: 3 },
    ]) {
      expect(authorizeUpgrade(`Bearer ${signHs256(claims, key)}`, policy, now())).toBe(
        "invalid websocket jwt",
      );
    }
  });
});
