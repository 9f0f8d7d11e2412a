import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fixture, stdioServer } from "./support.js";

/** Replaces `key = …` lines of the fixture's config.toml. */
function setTopLevel(home: string, values: Record<string, string>): void {
  const file = path.join(home, "config.toml");
  let toml = fs.readFileSync(file, "utf8");
  for (const [key, value] of Object.entries(values)) {
    const line = `${key} = ${JSON.stringify(value)}`;
    const re = new RegExp(`^${key} = .*$`, "m");
    toml = re.test(toml) ? toml.replace(re, line) : `${line}\n${toml}`;
  }
  fs.writeFileSync(file, toml);
}

interface Entry {
  id: string;
  isDefault: boolean;
  hidden: boolean;
}

describe("model/list from the model catalog", () => {
  it("lists Codex 0.169's models for OpenAI's provider, with Codex's facts", async () => {
    const fx = await fixture();
    setTopLevel(fx.home, { model: "gpt-5.5", model_provider: "openai" });
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const visible = (await peer.request("model/list", {})).data as Entry[];
    // Codex's order (priority), after the configured model, which is the default.
    expect(visible.map((m) => m.id)).toEqual([
      "gpt-5.5",
      "gpt-6.1-sol",
      "gpt-6-astra",
      "gpt-6-sol",
      "gpt-6-luna",
      "gpt-5.6-sol",
      "gpt-6.1-terra",
      "gpt-5.6-terra",
      "gpt-5.6-luna",
    ]);
    expect(visible.filter((m) => m.isDefault).map((m) => m.id)).toEqual(["gpt-5.5"]);
    // The fields of Codex 0.169's own model/list answer for gpt-5.5.
    expect(visible[0]).toEqual({
      id: "gpt-5.5",
      model: "gpt-5.5",
      upgrade: "gpt-6-sol",
      upgradeInfo: { model: "gpt-6-sol", upgradeCopy: null, modelLink: null, migrationMarkdown: null },
      availabilityNux: null,
      displayName: "GPT-5.5",
      description: "Legacy coding model.",
      hidden: false,
      supportedReasoningEfforts: [
        { reasoningEffort: "low", description: "Fast responses with lighter reasoning" },
        { reasoningEffort: "medium", description: "Balances speed and reasoning depth for everyday tasks" },
        { reasoningEffort: "high", description: "Greater reasoning depth for complex problems" },
        { reasoningEffort: "xhigh", description: "Extra high reasoning depth for complex problems" },
      ],
      defaultReasoningEffort: "medium",
      inputModalities: ["text", "image"],
      supportsPersonality: false,
      additionalSpeedTiers: ["fast"],
      isDefault: true,
    });
    const all = (await peer.request("model/list", { includeHidden: true })).data as Entry[];
    expect(all.filter((m) => m.hidden).map((m) => m.id)).toEqual([
      "gpt-daybreak-blue-latest",
      "gpt-daybreak-red-latest",
      "codex-auto-review",
    ]);
  });

  it("answers from model_catalog_json, which replaces the built-in catalog", async () => {
    const fx = await fixture();
    setTopLevel(fx.home, { model: "house-model", model_catalog_json: "catalog.json" });
    fs.writeFileSync(
      path.join(fx.home, "catalog.json"),
      JSON.stringify({
        models: [
          {
            slug: "house-model",
            display_name: "House",
            description: "Our own",
            default_reasoning_level: "low",
            supported_reasoning_levels: [{ effort: "low", description: "quick" }],
            input_modalities: ["text"],
            visibility: "list",
            priority: 1,
          },
        ],
      }),
    );
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const data = (await peer.request("model/list", {})).data;
    expect(data[0]).toMatchObject({
      id: "house-model",
      displayName: "House",
      description: "Our own",
      defaultReasoningEffort: "low",
      supportedReasoningEfforts: [{ reasoningEffort: "low", description: "quick" }],
      inputModalities: ["text"],
      isDefault: true,
    });
    expect(data.map((m: Entry) => m.id)).not.toContain("gpt-5.5");
  });
});

describe("modelProvider/list", () => {
  it("lists OpenAI's provider and the configured ones, with the default", async () => {
    const fx = await fixture();
    const { peer } = stdioServer(fx);
    await peer.initialize();
    const answer = await peer.request("modelProvider/list", {});
    expect(answer).toEqual({
      data: [
        {
          id: "openai",
          name: "OpenAI",
          canEdit: false,
          baseUrl: "https://api.openai.com/v1",
          settings: { type: "openai" },
        },
        {
          id: "mock_provider",
          name: "Mock provider for tests",
          canEdit: false,
          baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1$/),
          settings: { type: "customGateway", auth: { mode: "none" } },
        },
      ],
      defaultProviderId: "mock_provider",
      canChangeDefault: false,
    });
  });
});

describe("model/list for an older Codex client", () => {
  async function listAs(
    name: string,
    version: string,
  ): Promise<{ id: string; supportedReasoningEfforts: { reasoningEffort: string }[] }[]> {
    const fx = await fixture();
    setTopLevel(fx.home, { model: "gpt-6-sol", model_provider: "openai" });
    const { peer } = stdioServer(fx);
    await peer.request("initialize", {
      clientInfo: { name, title: null, version },
      capabilities: { experimentalApi: true },
    });
    peer.send({ method: "initialized" });
    return (await peer.request("model/list", { includeHidden: true })).data;
  }

  it("leaves out entries newer than the client (the 0.124 TUI rejects efforts it does not know)", async () => {
    const old = await listAs("codex-tui", "0.124.0");
    // The configured model stays (the user chose it); the others need 0.142+ except these two.
    expect(old.map((m) => m.id).sort()).toEqual(["codex-auto-review", "gpt-5.5", "gpt-6-sol"].sort());
    const known = new Set(["none", "minimal", "low", "medium", "high", "xhigh"]);
    const efforts = old
      .filter((m) => m.id !== "gpt-6-sol")
      .flatMap((m) => m.supportedReasoningEfforts.map((e) => e.reasoningEffort));
    // codex-auto-review (0.98+) lists `max`, which 0.124 cannot read: it is left out for this client.
    expect(efforts.filter((e) => !known.has(e))).toEqual([]);
    expect(old.find((m) => m.id === "codex-auto-review")!.supportedReasoningEfforts).toHaveLength(4);
  });

  it("lists everything for a current Codex client and for clients that are not Codex", async () => {
    const current = await listAs("codex-tui", "0.169.0");
    const other = await listAs("keel_web", "0.1.0");
    expect(current.length).toBe(12);
    expect(other.map((m) => m.id)).toEqual(current.map((m) => m.id));
  });
});
