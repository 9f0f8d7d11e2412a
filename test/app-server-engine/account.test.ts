import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { type Fixture, fixture, type Peer, stdioServer, text, turnCompleted } from "./support.js";

/** The built-in `openai` provider, pointed at the scripted model server (it needs OpenAI auth). */
function useOpenAiProvider(fx: Fixture): void {
  fs.writeFileSync(
    path.join(fx.home, "config.toml"),
    [
      'model = "mock-model"',
      'model_provider = "openai"',
      `openai_base_url = "${fx.model.url}"`,
      'approval_policy = "never"',
      "",
    ].join("\n"),
  );
}

const authFile = (fx: Fixture) => path.join(fx.home, "auth.json");

/** What account/read and getAuthStatus say with OpenAI auth required and no usable key. */
async function expectSignedOut(peer: Peer): Promise<void> {
  expect(await peer.request("account/read", {})).toEqual({
    account: null,
    userId: null,
    requiresOpenaiAuth: true,
    workspaceRouting: null,
  });
  expect(await peer.request("getAuthStatus", { includeToken: true })).toEqual({
    authMethod: null,
    authToken: null,
    requiresOpenaiAuth: true,
  });
}

describe("account methods (API-key login in $KEEL_HOME/auth.json)", () => {
  it("logs in with an API key, reports it as Codex does, uses it for the model request, and logs out", async () => {
    const fx = await fixture();
    useOpenAiProvider(fx);
    const { peer } = stdioServer(fx);
    await peer.initialize();

    await expectSignedOut(peer);

    const key = "sk-proj-login-test-0123456789";
    expect(await peer.request("account/login/start", { type: "apiKey", apiKey: key })).toEqual({
      type: "apiKey",
    });
    expect((await peer.notification("account/login/completed")).params).toEqual({
      loginId: null,
      success: true,
      error: null,
      onboardingEntrypoint: null,
    });
    expect((await peer.notification("account/updated")).params).toEqual({
      authMode: "apikey",
      planType: null,
    });
    // Codex's file, private to the user.
    expect(JSON.parse(fs.readFileSync(authFile(fx), "utf8"))).toEqual({
      auth_mode: "apikey",
      OPENAI_API_KEY: key,
    });
    expect(fs.statSync(authFile(fx)).mode & 0o777).toBe(0o600);

    expect((await peer.request("account/read", {})).account).toEqual({ type: "apiKey" });
    expect(await peer.request("getAuthStatus", { includeToken: true })).toEqual({
      authMethod: "apikey",
      authToken: key,
      requiresOpenaiAuth: true,
    });

    fx.model.enqueue(textTurn("hello"));
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    await peer.request("turn/start", { threadId: thread.id, input: text("hi") });
    await turnCompleted(peer);
    const [request] = fx.model.modelRequests();
    expect(request?.headers.authorization).toBe(`Bearer ${key}`);

    expect(await peer.request("account/logout")).toEqual({});
    expect((await peer.notification("account/updated")).params).toEqual({ authMode: null, planType: null });
    expect(fs.existsSync(authFile(fx))).toBe(false);
    expect((await peer.request("account/read", {})).account).toBeNull();
  });

  it("reads a broken auth.json as signed out, as Codex 0.169 does, so a client can start and sign in again", async () => {
    const fx = await fixture();
    useOpenAiProvider(fx);
    fs.writeFileSync(authFile(fx), "{bad", { mode: 0o600 });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    await expectSignedOut(peer);
    await peer.request("account/login/start", { type: "apiKey", apiKey: "sk-proj-replaced-0123456789" });
    expect((await peer.request("account/read", {})).account).toEqual({ type: "apiKey" });
  });

  it("answers ChatGPT sign-in with a clear error and writes nothing", async () => {
    const fx = await fixture();
    useOpenAiProvider(fx);
    const { peer } = stdioServer(fx);
    await peer.initialize();
    for (const params of [
      { type: "chatgpt" },
      { type: "chatgptDeviceCode" },
      { type: "chatgptAuthTokens", accessToken: "t", chatgptAccountId: "a" },
    ]) {
      const response = await peer.call("account/login/start", params);
      expect(response.error).toEqual({
        code: -32600,
        message: expect.stringContaining("ChatGPT sign-in is not available in keel"),
      });
    }
    expect((await peer.call("account/login/start", { type: "apiKey", apiKey: "  " })).error?.message).toBe(
      "apiKey must not be empty",
    );
    expect(fs.existsSync(authFile(fx))).toBe(false);
  });

  it("needs no OpenAI auth for a provider that does not require it (the stored key is not reported)", async () => {
    const fx = await fixture();
    fs.writeFileSync(authFile(fx), JSON.stringify({ auth_mode: "apikey", OPENAI_API_KEY: "sk-stored" }), {
      mode: 0o600,
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    expect(await peer.request("account/read", {})).toEqual({
      account: null,
      userId: null,
      requiresOpenaiAuth: false,
      workspaceRouting: null,
    });
    expect(await peer.request("getAuthStatus", {})).toEqual({
      authMethod: null,
      authToken: null,
      requiresOpenaiAuth: false,
    });
  });

  it("prefers the provider's env_key over the stored key, and counts it as signed in", async () => {
    const fx = await fixture();
    useOpenAiProvider(fx);
    fx.env.OPENAI_API_KEY = "sk-from-env";
    fs.writeFileSync(authFile(fx), JSON.stringify({ auth_mode: "apikey", OPENAI_API_KEY: "sk-stored" }), {
      mode: 0o600,
    });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    expect((await peer.request("account/read", {})).account).toEqual({ type: "apiKey" });
    // The environment's key is used but never handed out.
    expect(await peer.request("getAuthStatus", { includeToken: true })).toEqual({
      authMethod: "apikey",
      authToken: null,
      requiresOpenaiAuth: true,
    });
    fx.model.enqueue(textTurn("hello"));
    const { thread } = await peer.request("thread/start", { cwd: fx.workspace });
    await peer.request("turn/start", { threadId: thread.id, input: text("hi") });
    await turnCompleted(peer);
    expect(fx.model.modelRequests()[0]?.headers.authorization).toBe("Bearer sk-from-env");
  });
});
