import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { ModelProviders } from "../../src/config/model-providers.js";
import { backoffDelayMs, MAX_RETRY_AFTER_MS, retryAfterMs } from "../../src/model/http.js";
import {
  builtInModelProviders,
  chooseOssProvider,
  probeProvider,
  requestMaxRetries,
  streamIdleTimeoutMs,
  streamMaxRetries,
} from "../../src/model/providers.js";
import { startModelServer } from "../support/model-server.js";

describe("model providers", () => {
  it("knows openai, ollama and lmstudio", () => {
    const builtIns = builtInModelProviders();
    expect(Object.keys(builtIns).sort()).toEqual(["lmstudio", "ollama", "openai"]);
    expect(builtIns.openai).toMatchObject({
      base_url: "https://api.openai.com/v1",
      env_key: "OPENAI_API_KEY",
      wire_api: "responses",
    });
    expect(builtIns.ollama).toMatchObject({ base_url: "http://localhost:11434/v1", wire_api: "chat" });
    expect(builtIns.lmstudio).toMatchObject({ base_url: "http://localhost:1234/v1", wire_api: "chat" });
  });

  it("lets KEEL_OSS_PORT and KEEL_OSS_BASE_URL move the local providers", () => {
    expect(builtInModelProviders({ env: { KEEL_OSS_PORT: "9000" } }).ollama!.base_url).toBe(
      "http://localhost:9000/v1",
    );
    const env = { KEEL_OSS_PORT: "9000", KEEL_OSS_BASE_URL: "http://gpu-box:8080/v1" };
    expect(builtInModelProviders({ env }).lmstudio!.base_url).toBe("http://gpu-box:8080/v1");
    expect(builtInModelProviders({ env: { KEEL_OSS_PORT: "nope" } }).ollama!.base_url).toBe(
      "http://localhost:11434/v1",
    );
  });

  it("merges user providers over built-ins, the user's table winning per id", () => {
    const merged = new ModelProviders(
      builtInModelProviders(),
      {
        openai: { name: "Proxy", base_url: "http://proxy/v1" },
        azure: { name: "Azure", base_url: "https://x.openai.azure.com/openai", env_key: "AZURE_KEY" },
      },
      {},
    );
    expect(merged.get("openai")).toEqual({
      name: "Proxy",
      base_url: "http://proxy/v1",
      wire_api: "responses",
    });
    expect(merged.get("azure").env_key).toBe("AZURE_KEY");
    expect(merged.get("ollama")).toBeDefined();
    const bad = new ModelProviders({}, { bad: { name: "B", wire_api: "grpc" } }, {});
    expect(() => bad.get("bad")).toThrow(
      "`model_providers.bad.wire_api`; expected one of `responses`, `chat`",
    );
  });

  it("resolves a provider id or names the known ones", () => {
    const providers = new ModelProviders(builtInModelProviders(), {}, {});
    expect(providers.get("ollama").name).toBe("Ollama");
    expect(() => providers.get("nope")).toThrow(ConfigError);
    expect(() => providers.get("nope")).toThrow("known: lmstudio, ollama, openai");
  });

  it("applies Codex's retry and timeout defaults, capping configured retries", () => {
    const info = { name: "x", wire_api: "responses" as const };
    expect([requestMaxRetries(info), streamMaxRetries(info), streamIdleTimeoutMs(info)]).toEqual([
      4, 5, 300_000,
    ]);
    const custom = { ...info, request_max_retries: 0, stream_max_retries: 1000, stream_idle_timeout_ms: 50 };
    expect([requestMaxRetries(custom), streamMaxRetries(custom), streamIdleTimeoutMs(custom)]).toEqual([
      0, 100, 50,
    ]);
  });

  it("chooses the --oss provider: configured, else the one that answers, else an error naming the probed URLs", async () => {
    const providers = builtInModelProviders();
    const answering = (ids: string[]) => async (info: { base_url?: string }) =>
      ids.some((id) => providers[id]!.base_url === info.base_url);
    expect(await chooseOssProvider({ configured: "lmstudio", providers, probe: answering([]) })).toBe(
      "lmstudio",
    );
    expect(await chooseOssProvider({ providers, probe: answering(["lmstudio"]) })).toBe("lmstudio");
    expect(await chooseOssProvider({ providers, probe: answering(["ollama"]) })).toBe("ollama");
    expect(await chooseOssProvider({ providers, probe: answering(["ollama", "lmstudio"]) })).toBe("ollama");
    await expect(chooseOssProvider({ providers, probe: answering([]) })).rejects.toThrow(
      "--oss: no local model server answered (probed LM Studio at http://localhost:1234/v1/models and Ollama at http://localhost:11434/v1/models)",
    );
    await expect(chooseOssProvider({ configured: "vllm", providers })).rejects.toThrow(/oss_provider "vllm"/);
  });

  it("probes a local server with GET /models", async () => {
    const server = await startModelServer();
    try {
      expect(await probeProvider({ name: "local", base_url: server.url, wire_api: "chat" })).toBe(true);
      expect(server.requests[0]).toMatchObject({ method: "GET", path: "/v1/models" });
    } finally {
      await server.close();
    }
    expect(
      await probeProvider({ name: "gone", base_url: server.url, wire_api: "chat" }, { timeoutMs: 500 }),
    ).toBe(false);
  });
});

describe("retry timing", () => {
  it("backs off exponentially from 200 ms with ±10 % jitter", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, () => 0.5))).toEqual([200, 400, 800, 1600]);
    expect(backoffDelayMs(1, () => 0)).toBe(180);
    expect(backoffDelayMs(1, () => 1)).toBe(220);
    expect(backoffDelayMs(50, () => 0.5)).toBe(30_000);
  });

  it("reads Retry-After as seconds, HTTP date or retry-after-ms, and caps it", () => {
    const now = () => Date.parse("2026-01-01T00:00:00Z");
    const h = (init: Record<string, string>) => new Headers(init);
    expect(retryAfterMs(h({ "retry-after": "2" }), now)).toBe(2000);
    expect(retryAfterMs(h({ "retry-after": "0.5" }), now)).toBe(500);
    expect(retryAfterMs(h({ "retry-after": "Thu, 01 Jan 2026 00:00:07 GMT" }), now)).toBe(7000);
    expect(retryAfterMs(h({ "retry-after": "Wed, 31 Dec 2025 00:00:00 GMT" }), now)).toBe(0);
    expect(retryAfterMs(h({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
    expect(retryAfterMs(h({ "retry-after": "86400" }), now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs(h({ "retry-after": "soon" }), now)).toBeUndefined();
    expect(retryAfterMs(h({}), now)).toBeUndefined();
  });
});
