import { describe, expect, it } from "vitest";
import { textTurn } from "../support/model-server.js";
import { keel, setup } from "../exec/support.js";

const NEEDS_OPENAI_AUTH = 'env_key = "KEEL_TEST_KEY"\nrequires_openai_auth = true\n';

describe("which key keel exec sends", () => {
  it("uses the key `keel login` stored when env_key supplies none; env_key, then CODEX_API_KEY, take precedence", async () => {
    const s = await setup({ providerExtra: NEEDS_OPENAI_AUTH });
    const login = await keel(["login", "--with-api-key"], {
      cwd: s.repo,
      env: s.env,
      stdin: "sk-stored-key\n",
    });
    expect(login.code).toBe(0);

    s.server.enqueue(textTurn("one"), textTurn("two"), textTurn("three"));
    expect((await keel(["exec", "hi"], { cwd: s.repo, env: s.env })).code).toBe(0);
    expect(
      (await keel(["exec", "hi"], { cwd: s.repo, env: { ...s.env, KEEL_TEST_KEY: "sk-env" } })).code,
    ).toBe(0);
    const sdk = { ...s.env, KEEL_TEST_KEY: "sk-env", CODEX_API_KEY: "sk-sdk" };
    expect((await keel(["exec", "hi"], { cwd: s.repo, env: sdk })).code).toBe(0);
    expect(s.server.modelRequests().map((r) => r.headers.authorization)).toEqual([
      "Bearer sk-stored-key",
      "Bearer sk-env",
      "Bearer sk-sdk",
    ]);
  });

  it("after logout the turn fails before any request, pointing at `keel login`", async () => {
    const s = await setup({ providerExtra: NEEDS_OPENAI_AUTH });
    await keel(["login", "--with-api-key"], { cwd: s.repo, env: s.env, stdin: "sk-stored-key" });
    expect((await keel(["logout"], { cwd: s.repo, env: s.env })).code).toBe(0);
    const r = await keel(["exec", "hi"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Missing environment variable: `KEEL_TEST_KEY`");
    expect(r.stderr).toContain("`printenv OPENAI_API_KEY | keel login --with-api-key`");
    expect(s.server.modelRequests()).toHaveLength(0);
  });

  it("never sends the stored OpenAI key to a provider that does not require OpenAI auth", async () => {
    const s = await setup({ providerExtra: 'env_key = "KEEL_TEST_KEY"\n' });
    await keel(["login", "--with-api-key"], { cwd: s.repo, env: s.env, stdin: "sk-stored-key" });
    const r = await keel(["exec", "hi"], { cwd: s.repo, env: s.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Missing environment variable: `KEEL_TEST_KEY`");
    expect(r.stderr).not.toContain("keel login");
    expect(s.server.modelRequests()).toHaveLength(0);
  });
});
