import fs from "node:fs";
import path from "node:path";
import { inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { tempDir } from "../support/tmp.js";
import { fixture, stdioServer, text, turnCompleted, wsServer } from "./support.js";

/**
 * feedback/save against `keel app-server`: a local ZIP with the thread's rollout and the
 * configuration, none of the configured secrets in it, and Codex's answers for bad paths.
 */

/** Every entry of a ZIP (read from its central directory), inflated. */
function unzip(file: string): Map<string, string> {
  const zip = fs.readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(dataAt, dataAt + size);
    out.set(name, (method === 8 ? inflateRawSync(data) : data).toString("utf8"));
    at += 46 + nameLength + extra;
  }
  return out;
}

const SECRETS = {
  envValue: "env-secret-value-1",
  header: "header-secret-value-2",
  bearerVar: "MY_BEARER_TOKEN_VAR",
  policySet: "policy-set-secret-3",
  providerToken: "provider-bearer-secret-4",
  urlPassword: "url-password-5",
  apiKey: "sk-proj-abcdefghijklmnop6",
};

const SECRET_TOML = `
[shell_environment_policy]
set = { DEPLOY_KEY = "${SECRETS.policySet}" }

[mcp_servers.stdio_one]
enabled = false
command = "srv"
env = { TOKEN = "${SECRETS.envValue}" }

[mcp_servers.http_one]
enabled = false
url = "https://user:${SECRETS.urlPassword}@mcp.example.com/mcp"
bearer_token_env_var = "${SECRETS.bearerVar}"
http_headers = { "X-Api" = "${SECRETS.header}" }

[model_providers.other]
name = "other"
base_url = "https://example.com/v1"
experimental_bearer_token = "${SECRETS.providerToken}"
`;

describe("feedback/save", () => {
  it("writes a local ZIP with the rollout and the config, and no secret from either", async () => {
    const fx = await fixture({ extraToml: SECRET_TOML });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    fx.model.enqueue(textTurn("noted"));
    const { turn } = await peer.request("turn/start", {
      threadId: thread.id,
      input: text(`remember this marker-7 and my key ${SECRETS.apiKey}`),
    });
    await turnCompleted(peer, turn.id);

    const savePath = path.join(tempDir(), "bundles", "feedback.zip");
    const saved = await peer.request("feedback/save", {
      classification: "bug",
      reason: "it broke",
      threadId: thread.id,
      savePath,
    });
    expect(saved).toEqual({ savedPath: savePath, threadId: thread.id, promptHash: null });

    const files = unzip(savePath);
    expect([...files.keys()]).toEqual(["report.json", "manifest.json", "rollout.jsonl", "config/user.toml"]);
    expect(JSON.parse(files.get("report.json")!)).toMatchObject({
      reason: "it broke",
      tags: { classification: "bug", thread_id: thread.id },
    });
    expect(files.get("rollout.jsonl")).toContain("marker-7");
    expect(files.get("config/user.toml")).toContain("[mcp_servers.stdio_one]");
    const everything = [...files.values()].join("\n");
    for (const secret of Object.values(SECRETS)) expect(everything).not.toContain(secret);
  });

  it("answers Codex's errors for a relative or an existing path, and names a thread when none is given", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const relative = await peer.call("feedback/save", { classification: "bug", savePath: "fb.zip" });
    expect(relative.error).toEqual({
      code: -32600,
      message: "feedback savePath must be an absolute host path",
    });

    const savePath = path.join(tempDir(), "fb.zip");
    const first = await peer.request("feedback/save", { classification: "good_result", savePath });
    expect(first.threadId).toMatch(/^no-active-thread-[0-9a-f-]{36}$/);
    expect([...unzip(savePath).keys()]).toEqual(["report.json", "manifest.json", "config/user.toml"]);
    const again = await peer.call("feedback/save", { classification: "bug", savePath });
    expect(again.error).toEqual({
      code: -32603,
      message: "failed to save feedback: feedback save path already exists",
    });
  });
});

describe("feedback/save over WebSocket", () => {
  it("is refused on an unauthenticated listener (savePath may name any host file), served with --ws-auth", async () => {
    const fx = await fixture();
    const dir = tempDir("keel-feedback-ws-");
    const savePath = path.join(dir, "made", "by-anyone.zip");
    const open = await (await wsServer(fx)).connect();
    await open.initialize();
    const refused = await open.call("feedback/save", { classification: "bug", savePath });
    expect(refused.error).toEqual({
      code: -32600,
      message:
        "feedback/save is not available on an unauthenticated WebSocket listener: start the app-server with --ws-auth, or connect over stdio or a unix socket",
    });
    expect(fs.readdirSync(dir)).toEqual([]);

    const tokenFile = path.join(dir, "..", `token-${path.basename(dir)}`);
    fs.writeFileSync(tokenFile, "feedback-token\n");
    const authed = await wsServer(fx, {
      args: ["--ws-auth", "capability-token", "--ws-token-file", tokenFile],
      headers: { authorization: "Bearer feedback-token" },
    });
    const peer = await authed.connect("ws-auth");
    await peer.initialize();
    expect((await peer.request("feedback/save", { classification: "bug", savePath })).savedPath).toBe(
      savePath,
    );
  });
});
